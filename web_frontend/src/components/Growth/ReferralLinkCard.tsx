import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { myLinkQuery } from "../../api/growth";
import { QueryState } from "../Feedback/Feedback";
import { Card } from "../ui/Card";
import { CopyLinkButton } from "./CopyLinkButton";

/** My own referral link to share, with how many visited through it and signed up. */
export function ReferralLinkCard() {
  const link = useQuery(myLinkQuery);
  const [origin] = useState(() => window.location.origin);
  return (
    <Card title="Invite a friend" className="narrow">
      <QueryState query={link} label="Loading your link…">
        {(mine) => {
          const url = `${origin}${mine.path}`;
          return (
            <div className="stack">
              <p className="hint">
                Share your own link. When someone signs up through it for the first time, it counts as yours.
              </p>
              <div className="cluster">
                <code>{url}</code>
                <CopyLinkButton url={url} />
              </div>
              <p className="muted">
                {mine.clicks} {mine.clicks === 1 ? "visit" : "visits"} · {mine.signups}{" "}
                {mine.signups === 1 ? "signup" : "signups"}
              </p>
            </div>
          );
        }}
      </QueryState>
    </Card>
  );
}
