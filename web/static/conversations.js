// Conversations kept in this browser (localStorage), never on the server: each is its questions with the
// service's full answers, so an earlier chat is shown again exactly as it was answered. A full or blocked
// storage only means a chat is not kept; the page works the same.

const KEY = "kazde.conversations.v1";
const MAX_CONVERSATIONS = 50;
const MAX_TURNS = 50;
const TITLE_CHARS = 80;

function readAll() {
  try {
    const raw = JSON.parse(window.localStorage.getItem(KEY) || "[]");
    return Array.isArray(raw) ? raw.filter((c) => c && typeof c.id === "string" && Array.isArray(c.turns)) : [];
  } catch {
    return [];
  }
}

function writeAll(conversations) {
  try {
    window.localStorage.setItem(KEY, JSON.stringify(conversations.slice(0, MAX_CONVERSATIONS)));
    return true;
  } catch {
    return false; // quota exceeded or storage disabled
  }
}

function newId() {
  const bytes = new Uint8Array(8);
  window.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Earlier conversations, most recent first. */
function list() {
  return readAll().sort((a, b) => (b.updated || 0) - (a.updated || 0));
}

function get(id) {
  return readAll().find((c) => c.id === id) || null;
}

/** Add a turn ({question, filters, data}) to conversation `id` (a new one when id is null); its id. */
function addTurn(id, turn) {
  const all = readAll();
  let conversation = id ? all.find((c) => c.id === id) : null;
  if (!conversation) {
    const title = String(turn.question).replace(/\s+/g, " ").trim().slice(0, TITLE_CHARS);
    conversation = { id: newId(), title, created: Date.now(), turns: [] };
    all.unshift(conversation);
  }
  conversation.turns = [...conversation.turns, turn].slice(-MAX_TURNS);
  conversation.updated = Date.now();
  writeAll(all);
  return conversation.id;
}

/** Change a stored turn (for example its feedback) in place. */
function updateTurn(id, index, changes) {
  const all = readAll();
  const conversation = all.find((c) => c.id === id);
  if (!conversation || !conversation.turns[index]) return;
  Object.assign(conversation.turns[index], changes);
  writeAll(all);
}

function remove(id) {
  writeAll(readAll().filter((c) => c.id !== id));
}

export { list, get, addTurn, updateTurn, remove };
