import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { discordCapacityQuery, setGroupSpace, type GroupSpace } from "../../api/discord";
import type { DiscordServerUsagePublic as Server } from "../../client/schema";
import { ErrorMessage, QueryState } from "../Feedback/Feedback";
import { Badge } from "../ui/Badge";
import { DataTable } from "../ui/DataTable";

const SPACES: { value: GroupSpace; label: string }[] = [
  { value: "channel_and_role", label: "A text and voice channel and a role per group" },
  { value: "channel", label: "A text and voice channel per group, no role" },
  { value: "thread", label: "A private thread per group, one voice room for the cohort" },
  { value: "thread_no_voice", label: "A private thread per group, no voice" },
];

/**
 * The cohort's Discord servers before publishing: roles and channels in use
 * against each server's limits, what publishing would add there, and the
 * cohort's group space (fixed once groups are published).
 */
export function DiscordServers({ cohortId, hasPublished }: { cohortId: number; hasPublished: boolean }) {
  const queryClient = useQueryClient();
  const query = useQuery(discordCapacityQuery(cohortId));
  const space = useMutation({
    mutationFn: (value: GroupSpace) => setGroupSpace(cohortId, value),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: discordCapacityQuery(cohortId).queryKey }),
  });
  return (
    <section aria-labelledby="discord-servers">
      <h3 id="discord-servers">Discord servers</h3>
      <QueryState query={query} label="Reading the Discord servers…">
        {(c) => (
          <>
            <label>
              Group space{" "}
              <select
                value={c.space}
                disabled={hasPublished || space.isPending}
                onChange={(e) => space.mutate(e.target.value as GroupSpace)}
              >
                {SPACES.map((s) => (
                  <option key={s.value} value={s.value}>
                    {s.label}
                  </option>
                ))}
              </select>
            </label>
            {hasPublished && <p className="muted small">Published groups keep their space.</p>}
            {space.error && <ErrorMessage error={space.error} title="The space did not change:" />}
            <p>
              {c.fits ? <Badge tone="ok">Fits</Badge> : <Badge tone="danger">Does not fit</Badge>} Publishing{" "}
              {c.new_groups} group{c.new_groups === 1 ? "" : "s"} adds {c.needs_roles} roles and {c.needs_channels}{" "}
              channels
              {c.fits ? "." : `; ${c.unplaced_groups} would have no server with room, so publishing is refused.`}
            </p>
            <DataTable
              label="Discord servers"
              className="stack"
              caption="Each server against Discord's limits, and what publishing adds"
              columns={["Server", "Roles", "Channels", "Active threads", "New groups here"]}
            >
              {c.servers.map((s) => (
                <ServerRow key={s.guild_id} server={s} />
              ))}
            </DataTable>
          </>
        )}
      </QueryState>
    </section>
  );
}

function ServerRow({ server: s }: { server: Server }) {
  return (
    <tr>
      <th scope="row" data-label="Server">
        {s.name} {!s.accepts_groups && <Badge tone="muted">closed to new groups</Badge>}
      </th>
      <td data-label="Roles">
        <Usage used={s.roles_used} adds={s.adds_roles} limit={s.role_limit} />
      </td>
      <td data-label="Channels">
        <Usage used={s.channels_used} adds={s.adds_channels} limit={s.channel_limit} />
      </td>
      <td data-label="Active threads">
        <Usage used={s.threads_used} adds={s.adds_threads} limit={s.thread_limit} />
      </td>
      <td data-label="New groups here">{s.new_groups}</td>
    </tr>
  );
}

function Usage({ used, adds, limit }: { used: number; adds: number; limit: number }) {
  return (
    <>
      {used} of {limit}
      {adds > 0 && ` (+${adds})`}
    </>
  );
}
