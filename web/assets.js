// medquote: two small behaviours Gradio's chat does not have. No network, no storage.
(() => {
  // 1. Copy what the reader sees. Gradio's per-message copy button copies the message's
  //    Markdown source, whose backslash escapes and entities keep quotes literal on screen
  //    but are noise on a clipboard. After a click in a message's button bar, the next
  //    clipboard write takes that message's rendered text instead.
  let copied = null;
  document.addEventListener("click", (event) => {
    const bar = event.target.closest && event.target.closest("#chat .message-buttons");
    let row = bar ? bar.previousElementSibling : null;
    while (row && !row.classList.contains("message-row")) row = row.previousElementSibling;
    copied = row ? row.querySelector(".message-content") : null;
  }, true);
  const take = () => { const text = copied ? copied.innerText.trim() : null; copied = null; return text; };
  const clip = navigator.clipboard;
  if (clip && clip.writeText) {
    const write = clip.writeText.bind(clip);
    clip.writeText = (text) => write(take() ?? text);
  }
  // Without a secure context Gradio falls back to document.execCommand("copy").
  document.addEventListener("copy", (event) => {
    const text = copied && event.target && event.target.tagName === "TEXTAREA" ? take() : null;
    if (text !== null) { event.clipboardData.setData("text/plain", text); event.preventDefault(); }
  });

  // 2. The chat grows with the page (no inner scroll area), so when a new question appears,
  //    bring it to the top of the screen: the answer then reads from its first line.
  // 3. Each paragraph of the chat takes its direction from its first strong letter
  //    (dir="auto"): the fixed Arabic reply reads right to left, English left to right.
  //    Gradio's sanitizer drops dir attributes from the Markdown, so it is set here.
  let lastQuestion = null;
  const watch = new MutationObserver(() => {
    for (const p of document.querySelectorAll("#chat .message-content p:not([dir])")) p.setAttribute("dir", "auto");
    const rows = document.querySelectorAll("#chat .message-row.user-row");
    const newest = rows[rows.length - 1] || null;
    if (newest && newest !== lastQuestion) {
      const calm = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
      newest.scrollIntoView({ block: "start", behavior: calm ? "auto" : "smooth" });
    }
    lastQuestion = newest;
  });
  // The whole document is watched, not the #chat element found first: if Gradio mounts the
  // chat again (a reconnect, a slow start), an observer on the old element would go quiet.
  watch.observe(document.documentElement, { childList: true, subtree: true });
})();
