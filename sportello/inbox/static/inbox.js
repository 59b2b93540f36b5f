// Live updates without a reload: the queue and the transcript are fetched every few
// seconds and rebuilt with textContent only, so applicant text is never parsed as HTML.
"use strict";
const POLL_MS = 3000;

function cell(row, text) {
  const td = document.createElement("td");
  td.textContent = text == null ? "" : String(text);
  row.appendChild(td);
  return td;
}

async function refreshQueue(table) {
  const response = await fetch(`/inbox/queue.json?view=${encodeURIComponent(table.dataset.view)}`, {credentials: "same-origin"});
  if (!response.ok) return;
  const data = await response.json();
  const body = table.querySelector("tbody");
  body.replaceChildren();
  for (const item of data.rows) {
    const row = document.createElement("tr");
    const link = document.createElement("a");
    link.href = `/inbox/c/${Number(item.id)}`;
    link.textContent = String(item.id);
    cell(row, "").appendChild(link);
    for (const key of ["waiting", "language", "permit_type", "reason", "status", "assigned_to"]) cell(row, item[key]);
    body.appendChild(row);
  }
  if (!data.rows.length) {
    const row = document.createElement("tr");
    cell(row, "Nessuna conversazione.").colSpan = 7;
    body.appendChild(row);
  }
  for (const [key, value] of Object.entries(data.counts)) {
    const span = document.querySelector(`[data-count="${key}"]`);
    if (span) span.textContent = String(value);
  }
}

async function refreshTranscript(list) {
  const response = await fetch(`/inbox/c/${Number(list.dataset.handoff)}/transcript.json`, {credentials: "same-origin"});
  if (!response.ok) return;
  const data = await response.json();
  list.replaceChildren();
  for (const entry of data.transcript) {
    const item = document.createElement("li");
    item.className = entry.who;
    const meta = document.createElement("span");
    meta.className = "meta";
    meta.textContent = [entry.who, entry.staff, entry.at].filter(Boolean).join(" · ");
    const text = document.createElement("p");
    text.textContent = entry.text;
    item.append(meta, text);
    if (entry.buttons.length) {
      const buttons = document.createElement("p");
      buttons.className = "buttons";
      buttons.textContent = entry.buttons.map((b) => `[${b}]`).join(" ");
      item.appendChild(buttons);
    }
    list.appendChild(item);
  }
}

function poll(element, refresh) {
  if (!element) return;
  setInterval(() => refresh(element).catch(() => {}), POLL_MS);
}

document.addEventListener("DOMContentLoaded", () => {
  poll(document.getElementById("queue"), refreshQueue);
  poll(document.getElementById("transcript"), refreshTranscript);
});
