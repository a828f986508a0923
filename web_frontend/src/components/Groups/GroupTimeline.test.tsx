import { render, screen, within } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { describe, expect, it } from "vitest";
import type { GroupTimelinePublic } from "../../client/schema";
import { GroupTimeline } from "./GroupTimeline";

const state = (user_id: number, status: "completed" | "in_progress" | "not_started", done = 0) => ({
  user_id,
  status,
  sections_done: done,
  sections_total: 2,
});

const presence = (user_id: number, display_name: string, outcome: string, extra = {}) => ({
  user_id,
  display_name,
  role: "learner",
  rsvp: "pending",
  outcome,
  visiting_group: null,
  guest_from_group: null,
  ...extra,
});

const timeline = {
  group_id: 5,
  group_name: "Owls",
  cohort_id: 1,
  cohort_name: "Spring",
  course_slug: "c",
  discord_channel_url: "https://discord.com/channels/111/555",
  next_meeting_number: 2,
  inactive_after: 3,
  content_problem: null,
  members: [
    { user_id: 1, display_name: "Ana", missed_in_a_row: 0, inactive: false, behind: false, behind_on: [], chat_sessions: 0 },
    {
      user_id: 2, display_name: "Ben", missed_in_a_row: 3, inactive: true, behind: true,
      behind_on: ["Questions that open a conversation"], chat_sessions: 2,
    },
  ],
  meetings: [
    {
      id: 11, number: 1, starts_at: "2026-03-03T18:00:00Z", local_label: "Tue 3 Mar 2026, 19:00 CET", held: true,
      is_next: false,
      due: [{ slug: "why", title: "Why talk it through?", optional: false, section_titles: ["A", "B"],
        states: [state(1, "completed", 2), state(2, "completed", 2)] }],
      attendance: [presence(1, "Ana", "attended"), presence(2, "Ben", "missed")],
    },
    {
      id: 12, number: 2, starts_at: "2026-03-10T18:00:00Z", local_label: "Tue 10 Mar 2026, 19:00 CET", held: false,
      is_next: true,
      due: [{ slug: "questions", title: "Questions that open a conversation", optional: false, section_titles: ["C", "D"],
        states: [state(1, "completed", 2), state(2, "in_progress", 1)] }],
      attendance: [
        presence(1, "Ana", "upcoming", { rsvp: "attending" }),
        presence(2, "Ben", "upcoming", { visiting_group: "Larks" }),
        presence(9, "Lea", "upcoming", { role: "guest", rsvp: "attending", guest_from_group: "Larks" }),
      ],
    },
  ],
  after_last_meeting: [],
} as unknown as GroupTimelinePublic;

function renderTimeline(t: GroupTimelinePublic = timeline) {
  render(
    <MemoryRouter>
      <GroupTimeline timeline={t} groupId={5} />
    </MemoryRouter>,
  );
}

describe("GroupTimeline", () => {
  it("shows a grid of learners × modules due by each meeting, by title, with their state", () => {
    renderTimeline();
    const grid = screen.getByRole("region", { name: "Progress on the modules due by each meeting" });
    expect(within(grid).getByRole("columnheader", { name: "Due by meeting 2" })).toBeTruthy();
    expect(within(grid).getByRole("columnheader", { name: "Questions that open a conversation" })).toBeTruthy();
    const ben = within(grid).getByRole("row", { name: /Ben/ });
    const cells = within(ben).getAllByRole("cell").map((c) => c.textContent);
    expect(cells).toEqual(["✓ done", "◐ 1 of 2"]);
  });

  it("flags who is behind before the next meeting and who is inactive", () => {
    renderTimeline();
    const ben = screen.getAllByRole("row", { name: /Ben/ })[0]!;
    expect(within(ben).getByText("behind")).toBeTruthy();
    expect(within(ben).getByText("inactive")).toBeTruthy();
    const ana = screen.getAllByRole("row", { name: /Ana/ })[0]!;
    expect(within(ana).queryByText("behind")).toBeNull();
    expect(screen.getByText("Behind before meeting 2: Ben (Questions that open a conversation).")).toBeTruthy();
  });

  it("shows attendance per meeting with guests and members away", () => {
    renderTimeline();
    const table = screen.getByRole("region", { name: "RSVPs and attendance" });
    const rows = within(table).getAllByRole("row").map((r) => r.textContent);
    expect(rows[1]).toBe("Anaattendedgoing");
    expect(rows[2]).toBe("Benmissedaway, visiting Larks: no answer");
    expect(rows[3]).toBe("Lea (guest from Larks)—going");
  });

  it("links the Discord channel and the tutor chats the facilitator may read", () => {
    renderTimeline();
    const channel = screen.getByRole("link", { name: "Open the group's Discord channel" });
    expect(channel.getAttribute("href")).toBe("https://discord.com/channels/111/555");
    const chats = screen.getByRole("link", { name: "Ben (2 chats)" });
    expect(chats.getAttribute("href")).toBe("/facilitator/groups/5/members/2");
  });

  it("says why modules are missing when the content cannot say", () => {
    renderTimeline({
      ...timeline,
      content_problem: "The course content is unavailable right now, so modules are not shown.",
      meetings: timeline.meetings.map((m) => ({ ...m, due: [] })),
    });
    expect(screen.getByText(/content is unavailable/)).toBeTruthy();
    expect(screen.getByText("No modules are due by this group's meetings.")).toBeTruthy();
  });
});
