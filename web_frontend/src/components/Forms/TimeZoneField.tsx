import { useId, useMemo } from "react";
import { detectTimeZone, formatOffset, isValidTimeZone, listTimeZones, zoneOffsetMinutes } from "../../lib/time";

/** A time-zone input with every IANA zone as a suggestion and the detected zone one click away. */
export function TimeZoneField({
  value,
  onChange,
  error,
}: {
  value: string;
  onChange: (zone: string) => void;
  error?: string;
}) {
  const id = useId();
  const zones = useMemo(listTimeZones, []);
  const detected = detectTimeZone();
  const valid = isValidTimeZone(value);
  const problem = error ?? (value && !valid ? `“${value}” is not a time zone we know. Pick one from the list, like Europe/Berlin.` : undefined);
  return (
    <div className="field">
      <label htmlFor={id}>Time zone</label>
      <input
        id={id}
        list={`${id}-zones`}
        value={value}
        autoComplete="off"
        aria-invalid={Boolean(problem)}
        aria-describedby={`${id}-hint${problem ? ` ${id}-error` : ""}`}
        onChange={(e) => onChange(e.target.value.trim())}
      />
      <datalist id={`${id}-zones`}>
        {zones.map((z) => (
          <option key={z} value={z} />
        ))}
      </datalist>
      <p className="hint" id={`${id}-hint`}>
        {valid && <>Now {formatOffset(zoneOffsetMinutes(new Date(), value))}. </>}
        Your browser says you are in {detected}.{" "}
        {value !== detected && (
          <button type="button" className="link-button" onClick={() => onChange(detected)}>
            Use {detected}
          </button>
        )}
      </p>
      {problem && (
        <p className="field-error" id={`${id}-error`}>
          {problem}
        </p>
      )}
    </div>
  );
}
