import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router";
import { afterEach, describe, expect, it } from "vitest";
import type { OutboxEntry } from "../../api/staff";
import { describeOutbox, emailKind } from "../../components/Admin/outboxEntry";
import { AdminOutboxPage, PAGE_SIZE } from "./AdminOutboxPage";

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

// base64url("12:meeting_reminder_24h"), as roundtable/notifications/unsubscribe.py signs it.
const token = btoa("12:meeting_reminder_24h").replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
const email = (id: number, subject: string): OutboxEntry => ({
  id,
  service: "sendgrid",
  operation: "mail.send",
  created_at: "2026-03-02T10:00:00Z",
  request: {
    from: "roundtable@example.org",
    to: { email: "ana@example.org", name: "Ana Lovelace" },
    subject,
    text: "Hi Ana,\n\nYour meeting is tomorrow at 18:00.",
    html: "<p>Hi Ana</p>",
    headers: { "List-Unsubscribe": `<http://127.0.0.1:8000/api/unsubscribe?token=${token}.c2ln>` },
  },
});
const discord: OutboxEntry = {
  id: 900,
  service: "discord",
  operation: "POST /channels/4242/messages",
  created_at: "2026-03-02T11:00:00Z",
  request: { content: "Welcome to Owls!\nMeet every Tuesday." },
};
const cancelled: OutboxEntry = {
  id: 901,
  service: "google_calendar",
  operation: "events.delete",
  created_at: "2026-03-02T12:00:00Z",
  request: { calendarId: "primary", eventId: "rt5", sendUpdates: "all", body: { status: "cancelled", summary: "Owls" } },
};

function renderPage(entries: OutboxEntry[]) {
  const asked: string[] = [];
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(new Request(input, init).url);
    asked.push(`${url.pathname}${url.search}`);
    if (url.pathname === "/api/dev/outbox") return json({ messages: entries });
    if (url.pathname === "/api/users/me") return json({ id: 1, display_name: "Admin", timezone: "UTC", is_admin: true });
    return json({ error: { code: "not_found", message: "no route" } }, 404);
  }) as typeof fetch;
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <MemoryRouter>
        <AdminOutboxPage />
      </MemoryRouter>
    </QueryClientProvider>,
  );
  return asked;
}

const rows = () => within(screen.getByRole("list", { name: "Messages, newest first" })).getAllByRole("listitem");

describe("AdminOutboxPage", () => {
  it("shows one compact row per message: when, channel, kind, recipient, subject, status", async () => {
    const asked = renderPage([discord, email(1, "Your meeting is tomorrow")]);
    await screen.findByRole("list", { name: "Messages, newest first" });
    const [first, second] = rows().map((r) => r.querySelector("summary")!);
    expect([...first!.children].map((c) => c.textContent)).toEqual([
      "▸", "Mon 2 Mar, 11:00", "Discord", "Message", "channel 4242", "Welcome to Owls!", "recorded",
    ]);
    expect([...second!.children].slice(2).map((c) => c.textContent)).toEqual([
      "Email", "meeting reminder 24h", "Ana Lovelace <ana@example.org>", "Your meeting is tomorrow", "recorded",
    ]);
    // The body is there to expand: an email's text, not its HTML.
    expect(rows()[1]!.querySelector("pre")!.textContent).toBe("Hi Ana,\n\nYour meeting is tomorrow at 18:00.");
    expect(asked).toContain("/api/dev/outbox?limit=500");
  });

  it("filters by channel, kind and status", async () => {
    renderPage([discord, cancelled, email(1, "Reminder")]);
    await screen.findByRole("list", { name: "Messages, newest first" });
    await userEvent.selectOptions(screen.getByLabelText("Channel"), "Calendar");
    expect(rows().map((r) => r.querySelector(".outbox-kind")!.textContent)).toEqual(["Cancel event"]);
    await userEvent.selectOptions(screen.getByLabelText("Channel"), "");
    await userEvent.selectOptions(screen.getByLabelText("Status"), "recorded");
    expect(rows()).toHaveLength(2);
    await userEvent.selectOptions(screen.getByLabelText("Kind"), "meeting reminder 24h");
    expect(rows().map((r) => r.querySelector(".outbox-subject")!.textContent)).toEqual(["Reminder"]);
    await userEvent.selectOptions(screen.getByLabelText("Channel"), "Discord");
    expect(screen.getByText("Nothing matches these filters.")).toBeTruthy();
  });

  it("pages through many messages instead of one endless page", async () => {
    const many = Array.from({ length: PAGE_SIZE + 5 }, (_, i) => email(100 - i, `Message ${i + 1}`));
    renderPage(many);
    await screen.findByRole("list", { name: "Messages, newest first" });
    expect(rows()).toHaveLength(PAGE_SIZE);
    expect(screen.getByText(/30 messages · page 1 of 2/)).toBeTruthy();
    expect((screen.getByRole("button", { name: "Newer" }) as HTMLButtonElement).disabled).toBe(true);
    await userEvent.click(screen.getByRole("button", { name: "Older" }));
    expect(rows().map((r) => r.querySelector(".outbox-subject")!.textContent)).toEqual(
      ["Message 26", "Message 27", "Message 28", "Message 29", "Message 30"],
    );
  });
});

describe("describeOutbox", () => {
  it("reads a calendar change's attendees, title and status", () => {
    const line = describeOutbox({
      ...cancelled,
      operation: "events.insert",
      request: { body: { summary: "Owls", status: "confirmed", attendees: [{ email: "a@x" }, { email: "b@x" }, { email: "c@x" }] } },
    });
    expect([line.channel, line.kind, line.recipient, line.subject, line.status]).toEqual(
      ["Calendar", "Create event", "a@x, b@x +1", "Owls", "confirmed"],
    );
  });

  it("says 'email' when an email carries no unsubscribe link", () => {
    expect(emailKind({})).toBeNull();
    expect(describeOutbox({ ...email(1, "Hi"), request: { to: { email: "a@x" }, subject: "Hi" } }).kind).toBe("email");
  });
});
