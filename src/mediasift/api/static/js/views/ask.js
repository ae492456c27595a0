// Ask: a question, an answer streamed in, and numbered citations that open the media at the
// second, slide or page they quote. Follow-up questions continue the same chat when chats exist.
import { ApiError, features, post, stream } from "../api.js";
import { clear, errorBox, h, momentHref, where } from "../dom.js";

let chatId = null; // follow-ups continue the conversation until "New conversation"
const turns = []; // {question, answer, citations} kept while the page is open

export async function render(root) {
  const f = await features();
  if (!f.ask) {
    root.append(h("h1", {}, "Ask"), h("p", { class: "muted" }, "Asking questions is not available on this server."));
    return null;
  }
  const question = h("textarea", { id: "question", name: "question", rows: 2, required: true, placeholder: "e.g. When does the library open on Saturdays?" });
  const conversation = h("ol", { class: "conversation", "aria-label": "Questions and answers" }, turns.map(turnView));
  const form = h("form", { class: "ask-form", "aria-label": "Ask a question" },
    h("label", { for: "question" }, "Ask about your media"),
    question,
    h("div", { class: "actions" },
      h("button", { type: "submit", class: "primary" }, "Ask"),
      h("button", { type: "button", class: "ghost", onclick: () => {
        chatId = null;
        turns.length = 0;
        conversation.replaceChildren();
        question.focus();
      } }, "New conversation")));
  question.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const text = question.value.trim();
    if (!text) return;
    question.value = "";
    const turn = { question: text, answer: "", citations: [], pending: true };
    turns.push(turn);
    const view = turnView(turn);
    conversation.append(view);
    await answer(turn, view, f.chats);
    question.focus();
  });
  root.append(h("h1", {}, "Ask"), conversation, form);
  question.focus();
  return null;
}

async function answer(turn, view, chats) {
  const body = view.querySelector(".answer");
  try {
    let path = "/v1/ask?stream=true";
    let payload = { question: turn.question };
    if (chats) {
      chatId ??= (await post("/v1/chats", { title: turn.question.slice(0, 200) })).id;
      path = `/v1/chats/${encodeURIComponent(chatId)}/messages?stream=true`;
      payload = { content: turn.question };
    }
    await stream(path, payload, (event, data) => {
      if (event === "token") {
        turn.answer += data.text;
        body.textContent = turn.answer;
      } else if (event === "citations") {
        turn.citations = data;
      } else if (event === "done") {
        turn.answer = data.answer;
        turn.found = data.found;
      } else if (event === "error") {
        throw new ApiError(500, data.code, data.message);
      }
    });
    turn.pending = false;
    view.replaceWith(turnView(turn));
  } catch (err) {
    if (err instanceof ApiError && err.status === 404 && chats && chatId) chatId = null; // chat gone
    turn.pending = false;
    clear(body, errorBox(err));
  }
}

// "... at nine [2]." -> text with [2] as a link to the cited moment.
function withCitationLinks(text, citations) {
  const byN = new Map(citations.map((c) => [c.n, c]));
  const used = new Map(); // how many times each [n] was linked so far
  const out = [];
  let last = 0;
  for (const m of text.matchAll(/\[(\d+)\]/g)) {
    const cited = byN.get(Number(m[1]));
    if (!cited) continue;
    // the k-th [n] of the answer quotes the k-th of the citation's quotes: its own second or page
    const k = used.get(cited.n) || 0;
    used.set(cited.n, k + 1);
    const quote = (cited.quotes || [])[k];
    const c = quote ? { ...cited, ...quote } : cited;
    if (m.index > last) out.push(text.slice(last, m.index));
    out.push(h("a", { class: "cite", href: momentHref(c), "aria-label": `Source ${c.n}: ${c.filename} ${where(c)}` }, `[${c.n}]`));
    last = m.index + m[0].length;
  }
  out.push(text.slice(last));
  return out;
}

function turnView(turn) {
  return h("li", { class: "turn" },
    h("p", { class: "question" }, h("span", { class: "visually-hidden" }, "You asked: "), turn.question),
    h("div", { class: `answer${turn.found === false ? " not-found" : ""}`, "aria-busy": turn.pending ? "true" : "false" },
      turn.pending ? h("span", { class: "muted" }, "Thinking…") : withCitationLinks(turn.answer, turn.citations)),
    turn.citations.length
      ? h("ol", { class: "citations", "aria-label": "Sources" }, turn.citations.map((c) =>
        h("li", { value: c.n },
          h("a", { href: momentHref(c), class: "citation", dataset: { n: c.n } },
            h("span", { class: "cite-n" }, `[${c.n}]`), " ", h("strong", {}, c.filename), " ", h("span", { class: "muted" }, where(c))),
          c.quote ? h("blockquote", {}, c.quote) : null)))
      : null);
}
