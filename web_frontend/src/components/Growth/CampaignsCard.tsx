import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { campaignsQuery, createCampaign, deleteCampaign, updateCampaign } from "../../api/growth";
import type { LinkPublic } from "../../client/schema";
import { ErrorMessage, QueryState } from "../Feedback/Feedback";
import { Badge } from "../ui/Badge";
import { Card } from "../ui/Card";
import { CopyLinkButton } from "./CopyLinkButton";
import { formatConversion } from "./format";
import { DataTable } from "../ui/DataTable";

function NewCampaignForm() {
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [slug, setSlug] = useState("");
  const create = useMutation({
    mutationFn: () => createCampaign({ name, slug }),
    onSuccess: () => {
      setName("");
      setSlug("");
      return queryClient.invalidateQueries({ queryKey: ["growth"] });
    },
  });
  return (
    <form
      className="cluster"
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate();
      }}
    >
      <label>
        Campaign name
        <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={120} />
      </label>
      <label>
        Link /r/
        <input
          value={slug}
          onChange={(e) => setSlug(e.target.value.toLowerCase())}
          required
          pattern="[a-z0-9][a-z0-9\-]{2,39}"
          title="3 to 40 lower-case letters, digits and hyphens"
        />
      </label>
      <button type="submit" disabled={create.isPending}>
        Create campaign
      </button>
      {create.error && <ErrorMessage error={create.error} title="Not created:" />}
    </form>
  );
}

function CampaignRow({ campaign }: { campaign: LinkPublic }) {
  const queryClient = useQueryClient();
  const done = () => queryClient.invalidateQueries({ queryKey: ["growth"] });
  const archive = useMutation({
    mutationFn: () => updateCampaign(campaign.id, { archived: !campaign.archived }),
    onSuccess: done,
  });
  const remove = useMutation({ mutationFn: () => deleteCampaign(campaign.id), onSuccess: done });
  const unused = campaign.clicks === 0 && campaign.signups === 0;
  return (
    <tr>
      <th scope="row">
        {campaign.label} {campaign.archived && <Badge tone="muted">archived</Badge>}
      </th>
      <td>
        <code>{campaign.path}</code> <CopyLinkButton url={`${window.location.origin}${campaign.path}`} label="Copy" />
      </td>
      <td>{campaign.clicks}</td>
      <td>{campaign.signups}</td>
      <td>{formatConversion(campaign.conversion)}</td>
      <td>
        <div className="cluster">
          <button type="button" className="secondary small" onClick={() => archive.mutate()} disabled={archive.isPending}>
            {campaign.archived ? "Restore" : "Archive"}
          </button>
          {unused && (
            <button type="button" className="secondary small" onClick={() => remove.mutate()} disabled={remove.isPending}>
              Delete
            </button>
          )}
        </div>
        {(archive.error || remove.error) && <ErrorMessage error={archive.error ?? remove.error} />}
      </td>
    </tr>
  );
}

/** Named campaigns: their links, clicks, signups and conversion; create, archive, delete. */
export function CampaignsCard() {
  const campaigns = useQuery(campaignsQuery);
  return (
    <Card title="Campaigns">
      <p className="hint">
        A campaign is a link you put in a newsletter, a post or a talk. Clicks count once per visitor a day; bots are not
        counted. An archived campaign's link stops counting and keeps its numbers.
      </p>
      <QueryState query={campaigns} label="Loading campaigns…">
        {(list) =>
          list.length === 0 ? (
            <p className="muted">No campaigns yet.</p>
          ) : (
            <DataTable label="Campaigns" columns={["Campaign", "Link", "Clicks", "Signups", "Conversion", "Actions"]}>
              {list.map((c) => (
                <CampaignRow key={c.id} campaign={c} />
              ))}
            </DataTable>
          )
        }
      </QueryState>
      <NewCampaignForm />
    </Card>
  );
}
