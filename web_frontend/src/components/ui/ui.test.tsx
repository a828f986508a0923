import { act, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Badge } from "./Badge";
import { Card } from "./Card";
import { DataTable } from "./DataTable";
import { EmptyState } from "./EmptyState";
import { PageHeader } from "./PageHeader";
import { Toast } from "./Toast";

afterEach(() => vi.useRealTimers());

const classes = (element: Element) => [...element.classList];

describe("Card", () => {
  it("puts its title in a heading of the level asked, named for the section, with its actions", () => {
    render(
      <Card title="Group 3" level={3} labelledBy="g3" actions={<button type="button">Sync</button>}>
        <p>Mondays 18:00</p>
      </Card>,
    );
    const region = screen.getByRole("region", { name: "Group 3" });
    expect(classes(region)).toEqual(expect.arrayContaining(["card"]));
    expect(screen.getByRole("heading", { level: 3, name: "Group 3" })).toBeTruthy();
    expect(region.contains(screen.getByRole("button", { name: "Sync" }))).toBe(true);
  });

  it("has no heading row without a title or actions", () => {
    const { container } = render(<Card className="extra">Just text</Card>);
    expect(container.querySelector(".card-header")).toBeNull();
    expect(classes(container.firstElementChild!)).toEqual(expect.arrayContaining(["card", "extra"]));
  });
});

describe("DataTable", () => {
  it("is a labelled region the keyboard can reach, around a captioned table of column headers and rows", async () => {
    render(
      <DataTable label="Signups" caption="Everyone who signed up" className="stack" columns={["Name", <em>Role</em>]}>
        <tr>
          <th scope="row">Ada</th>
          <td>learner</td>
        </tr>
        <tr>
          <th scope="row">Grace</th>
          <td>facilitator</td>
        </tr>
      </DataTable>,
    );
    const region = screen.getByRole("region", { name: "Signups" });
    await userEvent.tab();
    expect(document.activeElement).toBe(region);
    const table = within(region).getByRole("table", { name: "Everyone who signed up" });
    expect(classes(table)).toEqual(["stack"]);
    const headers = within(table).getAllByRole("columnheader");
    expect(headers.map((th) => th.textContent)).toEqual(["Name", "Role"]);
    expect(headers.map((th) => th.getAttribute("scope"))).toEqual(["col", "col"]);
    const rows = within(table).getAllByRole("row");
    expect(rows.map((row) => row.parentElement!.tagName)).toEqual(["THEAD", "TBODY", "TBODY"]);
    expect(within(rows[2]!).getByRole("rowheader", { name: "Grace" })).toBeTruthy();
  });

  it("has no caption or class unless given, and takes a whole header for one that is not a plain row", () => {
    const { container } = render(
      <DataTable
        label="Progress"
        head={
          <>
            <tr>
              <td />
              <th scope="colgroup" colSpan={2}>
                Due by meeting 1
              </th>
            </tr>
            <tr>
              <th scope="col">Learner</th>
              <th scope="col">Intro</th>
              <th scope="col">Safety</th>
            </tr>
          </>
        }
      >
        <tr>
          <th scope="row">Ada</th>
          <td>done</td>
          <td>done</td>
        </tr>
      </DataTable>,
    );
    expect(container.querySelector("caption")).toBeNull();
    expect(container.querySelector("table")!.hasAttribute("class")).toBe(false);
    expect(container.querySelectorAll("thead > tr")).toHaveLength(2);
    expect(screen.getByRole("columnheader", { name: "Due by meeting 1" }).getAttribute("colspan")).toBe("2");
    expect(screen.getAllByRole("columnheader").map((th) => th.textContent)).toEqual([
      "Due by meeting 1",
      "Learner",
      "Intro",
      "Safety",
    ]);
  });
});

describe("Badge", () => {
  it("names its tone in the class and keeps the words", () => {
    render(
      <>
        <Badge tone="warn">Behind</Badge>
        <Badge>Optional</Badge>
      </>,
    );
    expect(classes(screen.getByText("Behind"))).toEqual(expect.arrayContaining(["badge", "badge-warn"]));
    expect(screen.getByText("Optional").className).toBe("badge");
  });
});

describe("EmptyState", () => {
  it("says what is missing and offers the next step", () => {
    render(<EmptyState title="No cohorts yet" action={<a href="/admin/new">New cohort</a>}>Create one to start.</EmptyState>);
    expect(classes(screen.getByText("No cohorts yet"))).toEqual(expect.arrayContaining(["empty-state-title"]));
    expect(screen.getByText("Create one to start.")).toBeTruthy();
    expect(screen.getByRole("link", { name: "New cohort" })).toBeTruthy();
  });
});

describe("PageHeader", () => {
  it("is the page's one h1 with its lead and actions", () => {
    render(<PageHeader title="Admin: cohorts" lead="Every cohort." actions={<button type="button">New cohort</button>} />);
    expect(screen.getByRole("heading", { level: 1, name: "Admin: cohorts" })).toBeTruthy();
    expect(classes(screen.getByText("Every cohort."))).toEqual(expect.arrayContaining(["lead"]));
    expect(classes(screen.getByRole("banner"))).toEqual(expect.arrayContaining(["page-header"]));
  });
});

describe("Toast", () => {
  it("is announced politely and closes by itself after its timeout", () => {
    vi.useFakeTimers();
    const onClose = vi.fn();
    render(<Toast message="Saved." onClose={onClose} timeoutMs={3000} />);
    expect(screen.getByRole("status").textContent).toContain("Saved.");
    act(() => vi.advanceTimersByTime(2999));
    expect(onClose).not.toHaveBeenCalled();
    act(() => vi.advanceTimersByTime(1));
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it("an error toast is an alert that stays until dismissed", async () => {
    const onClose = vi.fn();
    render(<Toast message="Not saved." tone="danger" onClose={onClose} timeoutMs={0} />);
    expect(classes(screen.getByRole("alert"))).toEqual(expect.arrayContaining(["toast-danger"]));
    await userEvent.click(screen.getByRole("button", { name: "Dismiss" }));
    expect(onClose).toHaveBeenCalledTimes(1);
  });
});
