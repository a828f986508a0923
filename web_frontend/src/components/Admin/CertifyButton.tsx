import { useMutation, useQueryClient } from "@tanstack/react-query";
import { certifyFacilitator, uncertifyFacilitator } from "../../api/staff";
import { ErrorMessage } from "../Feedback/Feedback";

/** Certify a facilitator (or withdraw it); refreshes every admin list that shows it. */
export function CertifyButton({ userId, name, certified = false }: { userId: number; name: string; certified?: boolean }) {
  const queryClient = useQueryClient();
  const change = useMutation({
    mutationFn: () => (certified ? uncertifyFacilitator(userId) : certifyFacilitator(userId)),
    // Signups, the facilitator list and the preview all show certification.
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["admin"] }),
  });
  return (
    <>
      <button
        type="button"
        className={certified ? "secondary small" : "small"}
        aria-label={`${certified ? "Withdraw certification of" : "Certify"} ${name}`}
        onClick={() => change.mutate()}
        disabled={change.isPending}
      >
        {certified ? "Withdraw certification" : "Certify"}
      </button>
      {change.error && <ErrorMessage error={change.error} title={`${name} was not changed:`} />}
    </>
  );
}
