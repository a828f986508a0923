import { describe, expect, it } from "vitest";
import { arrivalFrom, captureArrival } from "./arrival";

describe("arrivalFrom", () => {
  it("reads a /r/ link, a ?ref= and the utm parameters", () => {
    expect(arrivalFrom("/r/spring-news", "")).toEqual({ ref: "spring-news" });
    expect(arrivalFrom("/course/x", "?ref=abc12345&utm_source=mail&utm_medium=email&other=1")).toEqual({
      ref: "abc12345",
      utm_source: "mail",
      utm_medium: "email",
    });
    expect(arrivalFrom("/", "?utm_campaign=spring%20sale")).toEqual({ utm_campaign: "spring sale" });
  });

  it("is null for an address without either, and survives malformed escapes", () => {
    expect(arrivalFrom("/course/x", "?page=2")).toBeNull();
    expect(arrivalFrom("/r/%E0%A4%A", "")).toEqual({ ref: "%E0%A4%A" });
  });
});

describe("captureArrival", () => {
  it("sends only when there is something to send, and swallows a failure", async () => {
    const sent: unknown[] = [];
    const send = async (arrival: unknown) => {
      sent.push(arrival);
      throw new Error("offline");
    };
    captureArrival({ pathname: "/", search: "" }, send);
    captureArrival({ pathname: "/r/news", search: "" }, send);
    await Promise.resolve();
    expect(sent).toEqual([{ ref: "news" }]);
  });
});
