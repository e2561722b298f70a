// The documents view: every document with its language, pages, chunks, indexed date and status; upload,
// reindex, remove and replace with the admin token, a progress bar while a job runs, and each failed file with
// its reason.
// The token is kept for this tab only (sessionStorage) and sent in the Authorization header, never as a
// cookie. All text is set with textContent.

import { $, h } from "./dom.js";
import { t } from "./locale.js";

const TOKEN_KEY = "kazde.adminToken";
const POLL_MS = 400;

/** Wire the documents dialog; `onIndexChanged` runs after an upload or reindex has changed the index. */
function mount({ onIndexChanged }) {
  const ui = {
    dialog: $("documents-dialog"),
    open: $("open-documents"),
    close: $("close-documents"),
    table: $("documents-body"),
    summary: $("documents-summary"),
    admin: $("admin-form"),
    writesOff: $("writes-off"),
    token: $("admin-token"),
    files: $("upload-files"),
    replaceFile: $("replace-file"),
    upload: $("upload-button"),
    reindex: $("reindex-button"),
    progress: $("job-progress"),
    status: $("job-status"),
    problems: $("job-problems"),
  };
  let writesEnabled = false;
  let busy = false;
  let replacing = null; // the document whose Replace button chose the file being picked

  try {
    ui.token.value = window.sessionStorage.getItem(TOKEN_KEY) || "";
  } catch {
    /* storage blocked: the token is typed each time */
  }
  ui.token.addEventListener("change", () => {
    try {
      window.sessionStorage.setItem(TOKEN_KEY, ui.token.value.trim());
    } catch {
      /* ignore */
    }
  });

  function authHeaders() {
    const token = ui.token.value.trim();
    return token ? { Authorization: `Bearer ${token}` } : {};
  }

  function formatDate(value) {
    if (!value) return "–";
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? String(value) : date.toLocaleString(document.documentElement.lang);
  }

  function statusCell(doc) {
    if (doc.status === "failed") {
      return h("td", { className: "doc-status failed" }, h("strong", { text: t("statusFailed") }), ` ${doc.reason || ""}`);
    }
    if (doc.status === "duplicate") {
      return h("td", { className: "doc-status duplicate", text: t("statusDuplicate", { of: doc.duplicate_of || "" }) });
    }
    return h("td", { className: "doc-status indexed", text: t("statusIndexed") });
  }

  function actionsCell(doc) {
    const cell = h("td", { className: "doc-actions" });
    if (!writesEnabled) return cell;
    const remove = h("button", { className: "ghost-button doc-remove", text: t("remove"), attrs: { type: "button" } });
    remove.disabled = busy;
    remove.addEventListener("click", () => removeDocument(doc));
    cell.append(remove);
    if (doc.origin === "upload") {
      // Only an upload can be replaced: a folder's document is changed in its folder and reindexed.
      const replace = h("button", { className: "ghost-button doc-replace", text: t("replace"), attrs: { type: "button" } });
      replace.disabled = busy;
      replace.addEventListener("click", () => {
        replacing = doc;
        ui.replaceFile.value = "";
        ui.replaceFile.click();
      });
      cell.append(replace);
    }
    return cell;
  }

  function render(documents) {
    ui.table.replaceChildren(
      ...documents.map((doc) =>
        h(
          "tr",
          { attrs: { "data-doc-id": doc.doc_id } },
          h(
            "td",
            { className: "doc-title" },
            doc.status === "failed"
              ? h("span", { text: doc.title || doc.doc_id })
              : h("a", { text: doc.title || doc.doc_id, attrs: { href: `/documents/${encodeURIComponent(doc.doc_id)}`, target: "_blank", rel: "noopener" } }),
            h("span", { className: "doc-id", text: doc.doc_id }),
          ),
          h("td", { text: (doc.language || "–").toUpperCase() }),
          h("td", { text: doc.pages ? String(doc.pages) : "–" }),
          h("td", { text: String(doc.chunks ?? "–") }),
          h("td", { text: formatDate(doc.indexed_at) }),
          statusCell(doc),
          actionsCell(doc),
        ),
      ),
    );
    const failed = documents.filter((d) => d.status === "failed").length;
    ui.summary.textContent = t("documentsSummary", { count: documents.length, failed });
  }

  async function refresh() {
    const response = await fetch("/api/documents", { headers: { Accept: "application/json" } });
    const data = await response.json();
    writesEnabled = Boolean(data.writes_enabled);
    ui.writesOff.hidden = writesEnabled;
    for (const control of [ui.token, ui.files, ui.upload, ui.reindex]) control.disabled = !writesEnabled || busy;
    render(Array.isArray(data.documents) ? data.documents : []);
    return data;
  }

  function setBusy(value) {
    busy = value;
    const controls = [ui.files, ui.upload, ui.reindex, ...ui.table.querySelectorAll(".doc-actions button")];
    for (const control of controls) control.disabled = value || !writesEnabled;
  }

  function showProblems(items) {
    ui.problems.replaceChildren(
      ...items.map((p) => h("li", {}, h("strong", { text: p.name }), `: ${p.reason}`)),
    );
    ui.problems.hidden = items.length === 0;
  }

  async function errorText(response) {
    try {
      const data = await response.json();
      if (data && typeof data.message === "string") return data.message;
    } catch {
      /* not JSON */
    }
    return t("badResponse", { status: response.status });
  }

  async function follow(jobId) {
    ui.progress.hidden = false;
    ui.progress.removeAttribute("value");
    for (;;) {
      const response = await fetch(`/api/jobs/${encodeURIComponent(jobId)}`, { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(await errorText(response));
      const job = await response.json();
      const { done = 0, total = 0 } = job.progress || {};
      if (total > 0) {
        ui.progress.max = total;
        ui.progress.value = done;
      }
      const detail = job.state === "running" && job.progress && job.progress.detail;
      ui.status.textContent = `${t(`job_${job.state}`, { done, total })}${detail ? ` (${job.progress.doc_id}: ${detail})` : ""}`;
      if (job.state === "done" || job.state === "failed") {
        if (job.state === "failed") ui.status.textContent = `${t("job_failed")} ${job.error || ""}`;
        const failures = (job.summary && job.summary.failures) || [];
        showProblems(failures.map((f) => ({ name: f.doc_id, reason: f.reason })));
        return job;
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  /** Run a write action: it returns a job id to follow, true when it changed the index itself, or null. */
  async function run(action) {
    if (busy) return;
    setBusy(true);
    showProblems([]);
    try {
      const result = await action();
      if (typeof result === "string") await follow(result);
      if (result) onIndexChanged();
    } catch (error) {
      ui.status.textContent = String(error.message || error);
    } finally {
      setBusy(false);
      refresh().catch(() => {});
    }
  }

  async function upload() {
    const files = Array.from(ui.files.files || []);
    if (!files.length) {
      ui.status.textContent = t("chooseFiles");
      return null;
    }
    const form = new FormData();
    for (const file of files) form.append("files", file, file.name);
    ui.status.textContent = t("uploading");
    const response = await fetch("/api/documents?reindex=1", { method: "POST", headers: authHeaders(), body: form });
    if (!response.ok && response.status !== 400) throw new Error(await errorText(response));
    const data = await response.json();
    if (response.status === 400 && !Array.isArray(data.rejected)) throw new Error(data.message || "");
    showProblems(data.rejected || []);
    ui.files.value = "";
    if (!data.job_id) {
      ui.status.textContent = t("nothingUploaded");
      return null;
    }
    return data.job_id;
  }

  function removeDocument(doc) {
    const title = doc.title || doc.doc_id;
    const question = doc.origin === "upload" ? t("confirmRemove", { title }) : t("confirmRemoveFolder", { title });
    if (busy || !window.confirm(question)) return;
    run(async () => {
      const response = await fetch(`/api/documents/${encodeURIComponent(doc.doc_id)}`, {
        method: "DELETE",
        headers: authHeaders(),
      });
      if (!response.ok) throw new Error(await errorText(response));
      const data = await response.json();
      ui.status.textContent = `${t("removed", { title })} ${data.returns_on_reindex ? data.message : ""}`.trim();
      return true;
    });
  }

  async function replaceDocument() {
    const doc = replacing;
    const file = (ui.replaceFile.files || [])[0];
    if (!doc || !file) return null;
    const form = new FormData();
    // Stored under the document's own name, so that it takes that document's place (the same type of file).
    form.append("files", file, doc.doc_id);
    ui.status.textContent = t("replacing", { title: doc.title || doc.doc_id });
    const response = await fetch("/api/documents?reindex=1&replace=1", { method: "POST", headers: authHeaders(), body: form });
    if (!response.ok && response.status !== 400) throw new Error(await errorText(response));
    const data = await response.json();
    showProblems(data.rejected || []);
    if (!data.job_id) throw new Error(data.message || t("nothingUploaded"));
    return data.job_id;
  }

  async function reindex() {
    const response = await fetch("/api/reindex", { method: "POST", headers: authHeaders() });
    if (!response.ok) throw new Error(await errorText(response));
    return (await response.json()).job_id;
  }

  ui.admin.addEventListener("submit", (event) => {
    event.preventDefault();
    run(upload);
  });
  ui.reindex.addEventListener("click", () => run(reindex));
  ui.replaceFile.addEventListener("change", () => run(replaceDocument));
  ui.open.addEventListener("click", () => {
    ui.dialog.showModal();
    refresh().catch(() => {
      ui.summary.textContent = t("networkError");
    });
  });
  ui.close.addEventListener("click", () => ui.dialog.close());
  ui.dialog.addEventListener("close", () => ui.open.focus());
  return { refresh };
}

export { mount };
