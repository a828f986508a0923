import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useSearchParams } from "react-router";
import { searchPeopleQuery } from "../../api/people";
import { AdminNav } from "../../components/Admin/AdminNav";
import { QueryState } from "../../components/Feedback/Feedback";
import { DataTable } from "../../components/ui/DataTable";

/** Admin: find a person by name, email, Discord username or id; open their page. */
export function AdminPeoplePage() {
  // The query lives in the URL, so "back" from a person page returns to the results.
  const [params, setParams] = useSearchParams();
  const query = params.get("q") ?? "";
  const [text, setText] = useState(query);
  const results = useQuery(searchPeopleQuery(query));
  return (
    <section>
      <h1>Admin: people</h1>
      <AdminNav />
      <form
        role="search"
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          setParams(text.trim() ? { q: text.trim() } : {});
        }}
      >
        <div className="field">
          <label htmlFor="people-query">Name, email or Discord username</label>
          <input
            id="people-query"
            type="search"
            value={text}
            maxLength={100}
            onChange={(e) => setText(e.target.value)}
          />
        </div>
        <button type="submit" disabled={!text.trim()}>
          Search
        </button>
      </form>
      {query && (
        <QueryState query={results} label="Searching…">
          {(people) =>
            people.length === 0 ? (
              <p className="notice" role="status">
                Nobody matches “{query}”.
              </p>
            ) : (
              <DataTable label="People found" columns={["Name", "Discord", "Email"]}>
                {people.map((p) => (
                  <tr key={p.id}>
                    <th scope="row">
                      <Link to={`/admin/people/${p.id}`}>{p.display_name}</Link>
                      {p.is_admin && <span className="badge">admin</span>}
                    </th>
                    <td>{p.discord_username ?? "—"}</td>
                    <td>{p.email ?? "—"}</td>
                  </tr>
                ))}
              </DataTable>
            )
          }
        </QueryState>
      )}
    </section>
  );
}
