// One outbox row (what the local stack recorded instead of sending) in words:
// channel, kind, recipient, subject or first line, status, and the body to
// expand. The rows are written by roundtable/notifications/delivery.py
// (sendgrid), roundtable/discord/outbox.py (discord, "METHOD /path") and
// roundtable/sync/calendar_outbox.py (google_calendar, "events.insert" …).
import type { OutboxEntry } from "../../api/staff";

export interface OutboxLine {
  id: number;
  when: string;
  channel: string;
  kind: string;
  recipient: string;
  subject: string;
  status: string;
  body: string;
}

type Json = Record<string, unknown>;

const CHANNELS: Record<string, string> = {
  sendgrid: "Email",
  discord: "Discord",
  google_calendar: "Calendar",
  llm: "LLM",
};

const obj = (value: unknown): Json => (value && typeof value === "object" && !Array.isArray(value) ? (value as Json) : {});
const str = (value: unknown): string => (typeof value === "string" ? value : "");
const firstLine = (text: string) => text.trim().split("\n")[0]?.trim() ?? "";

/** Discord's REST paths, most specific first: the kind of call in words. */
const DISCORD_KINDS: [RegExp, string][] = [
  [/^POST \/channels\/[^/]+\/messages$/, "Message"],
  [/^POST \/users\/@me\/channels$/, "Open a DM"],
  [/^POST \/guilds\/[^/]+\/channels$/, "Create channel"],
  [/^PATCH \/channels\/[^/]+$/, "Edit channel"],
  [/^POST \/guilds\/[^/]+\/roles$/, "Create role"],
  [/^PATCH \/guilds\/[^/]+\/roles\/[^/]+$/, "Edit role"],
  [/^DELETE \/guilds\/[^/]+\/roles\/[^/]+$/, "Delete role"],
  [/^PUT \/guilds\/[^/]+\/members\/[^/]+\/roles\/[^/]+$/, "Give role"],
  [/^DELETE \/guilds\/[^/]+\/members\/[^/]+\/roles\/[^/]+$/, "Take role"],
  [/^PUT \/guilds\/[^/]+\/members\/[^/]+$/, "Add to server"],
  [/^PUT \/applications\/.*\/commands$/, "Register commands"],
  [/^PATCH \/webhooks\//, "Edit reply"],
  [/^POST \/webhooks\//, "Follow-up reply"],
];

const CALENDAR_KINDS: Record<string, string> = {
  "events.insert": "Create event",
  "events.patch": "Update event",
  "events.delete": "Cancel event",
};

/**
 * The notification kind of an email, read from its List-Unsubscribe link: the
 * token's first part is base64url("<user id>:<kind>")
 * (roundtable/notifications/unsubscribe.py). Null when there is none.
 */
export function emailKind(headers: unknown): string | null {
  const link = str(obj(headers)["List-Unsubscribe"]);
  const token = /token=([^&>]+)/.exec(link)?.[1];
  if (!token) return null;
  try {
    const part = decodeURIComponent(token).split(".")[0]!.replace(/-/g, "+").replace(/_/g, "/");
    const kind = atob(part).split(":")[1];
    return kind ? kind.replace(/_/g, " ") : null;
  } catch {
    return null;
  }
}

function discordLine(operation: string, request: Json): Omit<OutboxLine, "id" | "when" | "channel" | "body"> {
  const kind = DISCORD_KINDS.find(([pattern]) => pattern.test(operation))?.[1] ?? operation;
  const path = operation.split(" ")[1] ?? "";
  const channel = /^\/channels\/([^/]+)/.exec(path)?.[1];
  const member = /\/members\/([^/]+)/.exec(path)?.[1];
  const embed = obj(Array.isArray(request.embeds) ? request.embeds[0] : undefined);
  const recipient = channel
    ? `channel ${channel}`
    : member
      ? `member ${member}`
      : request.recipient_id
        ? `user ${String(request.recipient_id)}`
        : "server";
  const subject = firstLine(str(request.content)) || str(embed.title) || str(request.name);
  return { kind, recipient, subject, status: "recorded" };
}

function calendarLine(operation: string, request: Json): Omit<OutboxLine, "id" | "when" | "channel" | "body"> {
  const body = obj(request.body);
  const attendees = Array.isArray(body.attendees) ? body.attendees.map((a) => str(obj(a).email)).filter(Boolean) : [];
  const recipient = attendees.length > 2 ? `${attendees.slice(0, 2).join(", ")} +${attendees.length - 2}` : attendees.join(", ");
  return {
    kind: CALENDAR_KINDS[operation] ?? operation,
    recipient: recipient || "calendar",
    subject: str(body.summary) || str(request.eventId),
    status: str(body.status) || "recorded",
  };
}

function emailLine(request: Json): Omit<OutboxLine, "id" | "when" | "channel" | "body"> {
  const to = obj(request.to);
  const name = str(to.name);
  const email = str(to.email);
  return {
    kind: emailKind(request.headers) ?? "email",
    recipient: name && email ? `${name} <${email}>` : name || email,
    subject: str(request.subject),
    status: "recorded",
  };
}

export function describeOutbox(entry: OutboxEntry): OutboxLine {
  const request = obj(entry.request);
  const parts =
    entry.service === "sendgrid"
      ? emailLine(request)
      : entry.service === "discord"
        ? discordLine(entry.operation, request)
        : entry.service === "google_calendar"
          ? calendarLine(entry.operation, request)
          : { kind: entry.operation, recipient: "", subject: "", status: "recorded" };
  // An email's body is its text part; anything else is shown as the JSON that was recorded.
  const body = entry.service === "sendgrid" && str(request.text) ? str(request.text) : JSON.stringify(entry.request, null, 2);
  return {
    id: entry.id,
    when: entry.created_at,
    channel: CHANNELS[entry.service] ?? entry.service,
    ...parts,
    body,
  };
}
