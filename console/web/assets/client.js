// Calls to the Roster API on this same origin, with the signed-in person's
// bearer token. Refusals become ApiError carrying the problem+json fields.
import { session, signOutTo } from "./auth.js";

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.code = problem.code || "";
    this.title = problem.title || "Request refused";
    this.detail = problem.detail || "";
    this.errors = problem.errors || [];
  }
}

export async function api(method, path, { json, csv, query } = {}) {
  const s = session();
  const headers = {};
  if (s) headers.authorization = `Bearer ${s.token}`;
  let body;
  if (json !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(json);
  } else if (csv !== undefined) {
    headers["content-type"] = "text/csv";
    body = csv;
  }
  let url = path;
  if (query) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== "") q.set(k, v);
    const qs = q.toString();
    if (qs) url += `?${qs}`;
  }
  let resp;
  try {
    resp = await fetch(url, { method, headers, body, cache: "no-store", credentials: "omit" });
  } catch {
    throw new ApiError(0, { title: "Network error", detail: "The API could not be reached; try again." });
  }
  if (resp.status === 401) {
    signOutTo(location.pathname + location.search);
    // A token that lacks a claim Roster needs: signing in again will not help, say which.
    const problem = await resp.json().catch(() => ({}));
    if (problem.code === "identity_claim_missing" || problem.code === "identity_claim_invalid") {
      throw new ApiError(401, problem);
    }
    throw new ApiError(401, { title: "Signed out", detail: "Your session ended; sign in again." });
  }
  if (resp.status === 204) return null;
  const type = resp.headers.get("content-type") || "";
  const data = type.includes("json") ? await resp.json() : { detail: await resp.text() };
  if (!resp.ok) throw new ApiError(resp.status, data);
  return data;
}

export const enc = encodeURIComponent;
