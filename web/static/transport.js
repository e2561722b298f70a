// Asking the service: POST /api/ask/stream and its Server-Sent Events. No DOM here: tokens go to a callback.

/**
 * Ask; resolves to one of
 *   { kind: "answer", data }       the `final` event's answer (not yet checked to be one),
 *   { kind: "error", error }       the stream's `error` event (or none at all: error is null),
 *   { kind: "refused", status, message }   a response that is not a stream (a 4xx/5xx with the API's message).
 * `onToken(text)` gets each piece of a generated answer as it is written. Rejects on a network failure or an
 * abort through `signal`.
 */
export async function askStream(payload, { signal, onToken }) {
  const response = await fetch("/api/ask/stream", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
    body: JSON.stringify(payload),
    signal,
  });
  if (!response.ok || !(response.headers.get("Content-Type") || "").startsWith("text/event-stream")) {
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    const message = data && typeof data.message === "string" && data.message ? data.message : "";
    return { kind: "refused", status: response.status, message };
  }
  return readStream(response, onToken);
}

/** Reads Server-Sent Events: `token` text to onToken as it comes, `final` is the answer, `error` the failure. */
async function readStream(response, onToken) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let result = { kind: "error", error: null };
  for (;;) {
    const { value, done } = await reader.read();
    if (value) buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      let event = "message";
      let data = "";
      for (const line of block.split("\n")) {
        if (line.startsWith("event: ")) event = line.slice(7);
        else if (line.startsWith("data: ")) data += line.slice(6);
      }
      let parsed = null;
      try {
        parsed = JSON.parse(data);
      } catch {
        continue;
      }
      if (event === "token" && parsed && typeof parsed.text === "string") onToken(parsed.text);
      else if (event === "final") result = { kind: "answer", data: parsed };
      else if (event === "error") result = { kind: "error", error: parsed };
    }
    if (done) break;
  }
  return result;
}

/** Whether a value has the shape of the API's answer (the page renders nothing else as one). */
export function isAnswer(data) {
  return (
    data &&
    typeof data === "object" &&
    typeof data.answer === "string" &&
    Array.isArray(data.citations) &&
    Array.isArray(data.passages)
  );
}
