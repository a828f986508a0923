import type { SignupPublic } from "../../client/schema";
import { CertifyButton } from "./CertifyButton";

/** Facilitator signups the scheduler would skip, each with a Certify action. */
export function UncertifiedFacilitators({ signups }: { signups: SignupPublic[] }) {
  const waiting = signups.filter((s) => s.role === "facilitator" && s.facilitator_certified === false);
  if (waiting.length === 0) return null;
  return (
    <div className="notice" role="region" aria-label="Facilitators to certify">
      <p>
        {waiting.length === 1 ? "This facilitator is" : `These ${waiting.length} facilitators are`} not certified yet,
        so the scheduler will not place them:
      </p>
      <ul>
        {waiting.map((s) => (
          <li key={s.user_id}>
            {s.display_name} <CertifyButton userId={s.user_id} name={s.display_name} />
          </li>
        ))}
      </ul>
    </div>
  );
}
