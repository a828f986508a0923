import { describe, expect, it } from "vitest";
import { safeNext } from "./SignInPage";

describe("safeNext", () => {
  it("keeps paths on this site and refuses other origins", () => {
    expect(safeNext("/enroll?x=1")).toBe("/enroll?x=1");
    expect(safeNext("//evil.example/")).toBe("/group");
    expect(safeNext("https://evil.example/")).toBe("/group");
    expect(safeNext(null)).toBe("/group");
  });
});
