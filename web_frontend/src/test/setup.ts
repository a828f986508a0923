import { cleanup } from "@testing-library/react";
import { afterEach, beforeEach } from "vitest";

// Tests run as a browser that may be signed in (the API's `signed_in` hint is
// set): each test's fake API decides who, if anyone, is. Tests of signed-out
// pages clear it (see hooks/useMe.test.tsx).
beforeEach(() => {
  document.cookie = "signed_in=1; path=/";
});

afterEach(() => cleanup());
