import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { LoadMore } from "./LoadMore";
import { CreateGroupForm } from "./Live/CreateGroupForm";
import { fakeApi, json, renderWithQueries, signup } from "./Live/testing";

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
  vi.restoreAllMocks();
});

describe("LoadMore", () => {
  it("says how many are shown of how many, and is gone on the last page", () => {
    const onMore = vi.fn();
    const { rerender } = render(
      <LoadMore shown={500} total={12000} noun="signups" hasMore loading={false} onMore={onMore} />,
    );
    expect(screen.getByRole("status").textContent).toBe("Showing 500 of 12,000 signups.");
    screen.getByRole("button", { name: "Load more signups" }).click();
    expect(onMore).toHaveBeenCalledOnce();
    rerender(<LoadMore shown={500} total={12000} noun="signups" hasMore loading onMore={onMore} />);
    expect((screen.getByRole("button", { name: "Loading…" }) as HTMLButtonElement).disabled).toBe(true);
    rerender(<LoadMore shown={12000} total={12000} noun="signups" hasMore={false} loading={false} onMore={onMore} />);
    expect(screen.queryByRole("button")).toBeNull();
  });

  it("pages the signups through the cursor each page gives", async () => {
    const calls = fakeApi({
      "GET /api/admin/facilitators": () => json({ facilitators: [] }),
      "GET /api/admin/cohorts/2/signups": (_body, url) =>
        url.searchParams.get("cursor") === "next-1"
          ? json({ signups: [signup(13, "Cai")], next_cursor: null })
          : json({ signups: [signup(11, "Ana"), signup(12, "Bea")], next_cursor: "next-1" }),
    });
    renderWithQueries(<CreateGroupForm cohortId={2} anchorZone="UTC" onCreated={() => undefined} />);
    expect(await screen.findByText("Bea")).toBeTruthy();
    expect(screen.queryByText("Cai")).toBeNull();
    await userEvent.click(screen.getByRole("button", { name: "Load more learners" }));
    expect(await screen.findByText("Cai")).toBeTruthy();
    expect(screen.getByText("Ana")).toBeTruthy(); // the first page stays
    expect(screen.queryByRole("button", { name: "Load more learners" })).toBeNull();
    const pages = calls.filter((c) => c.call === "GET /api/admin/cohorts/2/signups");
    expect(pages).toHaveLength(2);
  });
});
