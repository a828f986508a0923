import { useQuery } from "@tanstack/react-query";
import { sourcesQuery } from "../../api/growth";
import { QueryState } from "../Feedback/Feedback";
import { Card } from "../ui/Card";
import { DataTable } from "../ui/DataTable";
import { formatConversion } from "./format";

/** Where one cohort's signups came from: totals, by link and campaign, by UTM source. */
export function SourcesCard({ cohortId }: { cohortId: number }) {
  const sources = useQuery(sourcesQuery(cohortId));
  return (
    <Card title="Where signups came from">
      <QueryState query={sources} label="Loading sources…">
        {(report) => (
          <div className="stack">
            <p>
              {report.signups} {report.signups === 1 ? "signup" : "signups"}: {report.referred} through a referral
              link, {report.with_utm} with UTM parameters.
            </p>
            <h3>By link</h3>
            {report.links.length === 0 ? (
              <p className="muted">No referral link or campaign yet.</p>
            ) : (
              <DataTable
                label="Signups by link"
                columns={["Link", "Kind", "Signups here", "Clicks (all time)", "Signups (all cohorts)", "Conversion"]}
              >
                {report.links.map(({ link, signups_here }) => (
                  <tr key={link.id}>
                    <th scope="row">
                      {link.label} <code>{link.path}</code>
                    </th>
                    <td>{link.kind === "campaign" ? "Campaign" : "Person"}</td>
                    <td>{signups_here}</td>
                    <td>{link.clicks}</td>
                    <td>{link.signups}</td>
                    <td>{formatConversion(link.conversion)}</td>
                  </tr>
                ))}
              </DataTable>
            )}
            <h3>By UTM source</h3>
            {report.utm.length === 0 ? (
              <p className="muted">No signup arrived with UTM parameters.</p>
            ) : (
              <DataTable label="Signups by UTM source" columns={["Source", "Medium", "Campaign", "Signups"]}>
                {report.utm.map((line) => (
                  <tr key={`${line.source}|${line.medium}|${line.campaign}`}>
                    <th scope="row">{line.source}</th>
                    <td>{line.medium ?? "—"}</td>
                    <td>{line.campaign ?? "—"}</td>
                    <td>{line.signups}</td>
                  </tr>
                ))}
              </DataTable>
            )}
          </div>
        )}
      </QueryState>
    </Card>
  );
}
