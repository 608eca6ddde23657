// The API token, asked for once: the page gives it to POST /api/session, whose answer is an
// HttpOnly, SameSite=Strict cookie that every later request and event stream carries. The page
// itself never keeps the token (a script on the page could read it from storage).

import { ApiError, createApi } from "./api.js";
import { $, notify, saved } from "./ui.js";

const OLD_KEY = "hwr.token"; // where earlier versions kept the token, in localStorage

/** Trade a token for this browser's session cookie; an ApiError when the server refuses it. */
async function signIn(token) {
  try {
    await createApi(() => token).post("session");
  } catch (error) {
    if (error.status === 401) throw new ApiError(401, "That token is not the server's: check it and try again.");
    throw error;
  }
}

/** A token an earlier version saved in this browser: traded for the cookie once, then forgotten. */
export async function carryOverSavedToken() {
  const old = saved.get(OLD_KEY, "");
  if (!old) return;
  saved.remove(OLD_KEY);
  await signIn(old).catch(() => {}); // a stale token: the page asks as for anyone else
}

/** Show the Access settings only where the server asks for a token. */
export function showAccess(health) {
  $("access").hidden = !health.token_required;
}

/** The Settings → Access field: Use token (or Enter) signs this browser in, then `onSignedIn()`. */
export function wireAccess(onSignedIn) {
  const input = $("api-token");
  const state = $("api-token-state");
  async function use() {
    const token = input.value.trim();
    if (!token) {
      state.textContent = "Enter the token the server was started with (HWR_API_TOKEN).";
      input.focus();
      return;
    }
    try {
      await signIn(token);
    } catch (error) {
      state.textContent = error.message;
      input.focus();
      return;
    }
    input.value = "";
    state.textContent = "Signed in: this browser stays signed in to this server.";
    notify("Token accepted.");
    onSignedIn();
  }
  $("api-token-use").addEventListener("click", use);
  input.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    event.preventDefault(); // not the settings form's submit
    use();
  });
}
