// The live hall of an online fair: one connection (WebSocket, or server-sent events with
// sending by POST where WebSockets do not get through), frames as in docs/events.md. Everything
// from the hall is put on the page with textContent, never as markup.

const root = document.getElementById("live");
if (root) start(root);

function start(root) {
  const event = root.dataset.event;
  const role = root.dataset.role;
  const csrf = root.dataset.csrf;
  const t = (k) => root.dataset["t" + k.replace(/(^|_)(\w)/g, (_, __, c) => c.toUpperCase())] || k;
  const status = document.getElementById("live-status");
  const alertBox = document.getElementById("live-alert");
  const chats = new Map();
  let me = null;
  let send = () => {};
  let seq = 0;

  const say = (msg) => {
    status.textContent = msg;
  };
  const warn = (msg) => {
    alertBox.hidden = false;
    alertBox.textContent = msg;
  };

  function connectSocket() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    let opened = false;
    const ws = new WebSocket(scheme + location.host + "/api/v1/events/" + event + "/live");
    ws.onopen = () => {
      opened = true;
      send = (m) => ws.send(JSON.stringify(m));
      say(t("connected"));
    };
    ws.onmessage = (e) => handle(JSON.parse(e.data));
    ws.onclose = () => {
      if (!opened) {
        connectStream();
      } else {
        say(t("lost"));
        setTimeout(connectSocket, 3000);
      }
    };
  }

  function connectStream() {
    const es = new EventSource("/api/v1/events/" + event + "/live/stream");
    send = (m) =>
      fetch("/api/v1/events/" + event + "/live/messages", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify(m),
      }).then((r) => {
        if (!r.ok) r.json().then((b) => warn(b.message || r.status));
      });
    es.onopen = () => say(t("fallback"));
    es.onmessage = (e) => handle(JSON.parse(e.data));
    es.onerror = () => say(t("lost"));
  }

  function boothCard(id) {
    return document.querySelector('li[data-booth="' + id + '"]');
  }

  function handle(m) {
    switch (m.type) {
      case "welcome":
        me = m.user;
        for (const b of m.booths) {
          const card = boothCard(b.booth);
          if (!card) continue;
          card.querySelector(".booth-queue").textContent = t("waiting") + " " + b.waiting;
          const join = card.querySelector("button.join");
          if (join) join.hidden = false;
        }
        break;
      case "queue": {
        const card = boothCard(m.booth);
        if (!card) break;
        const q = card.querySelector(".booth-queue");
        const join = card.querySelector("button.join");
        if (m.position > 0) {
          const minutes = Math.ceil(m.estimate_seconds / 60);
          q.textContent = t("position") + " " + m.position + " · " + t("estimate") + " " + minutes;
          if (join) {
            join.textContent = t("leave");
            join.dataset.queued = "1";
          }
        } else if (join) {
          q.textContent = "";
          join.textContent = t("join");
          join.dataset.queued = "";
        }
        break;
      }
      case "booth_state": {
        const d = document.getElementById("desk-state");
        if (d) d.textContent = t("waiting") + " " + m.waiting + " · " + m.chats + "/" + m.max_chats;
        const p = document.getElementById("pause");
        if (p) p.setAttribute("aria-pressed", m.paused ? "true" : "false");
        break;
      }
      case "attendance": {
        const a = document.getElementById("attendance");
        if (a)
          a.textContent = [
            t("graduates") + " " + m.graduates,
            t("recruiters") + " " + m.recruiters,
            t("queued") + " " + m.waiting,
            t("talking") + " " + m.chats,
          ].join(" · ");
        break;
      }
      case "chat_started":
        openChat(m);
        break;
      case "message":
        addLine(m.chat, m.from === me ? t("you") : null, m.text);
        break;
      case "ack":
        break;
      case "link": {
        const c = chats.get(m.chat);
        if (c) {
          const p = document.createElement("p");
          const a = document.createElement("a");
          a.href = m.url;
          a.rel = "noopener noreferrer";
          a.textContent = m.url;
          p.append(t("link") + "：", a);
          c.log.append(p);
        }
        break;
      }
      case "resume_dropped":
        addLine(m.chat, null, t("resume"));
        break;
      case "chat_ended": {
        const c = chats.get(m.chat);
        if (c) {
          addLine(m.chat, null, t("ended") + (m.outcome ? "（" + t(m.outcome) + "）" : ""));
          c.form.remove();
        }
        break;
      }
      case "muted":
        warn(t("message") + " ✕ " + m.until);
        break;
      case "removed":
        warn("✕");
        break;
      case "error":
        warn(m.message);
        break;
    }
  }

  function openChat(m) {
    if (chats.has(m.chat)) return;
    document.getElementById("no-chats")?.remove();
    const box = document.createElement("section");
    box.className = "card";
    const h = document.createElement("h3");
    h.textContent = t("chat_with") + " " + (role === "recruiter" ? m.graduate_name + "（" + m.graduate + "）" : m.employer);
    const log = document.createElement("div");
    log.setAttribute("role", "log");
    log.setAttribute("aria-live", "polite");
    const form = document.createElement("form");
    form.className = "stack";
    const id = "msg-" + m.chat;
    const label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = t("message");
    const input = document.createElement("textarea");
    input.id = id;
    input.maxLength = 1000;
    input.rows = 2;
    const submit = document.createElement("button");
    submit.type = "submit";
    submit.textContent = t("send");
    form.append(label, input, submit);
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      seq += 1;
      send({ type: "say", chat: m.chat, text, client_id: "w" + Date.now().toString(36) + "-" + seq });
      addLine(m.chat, t("you"), text);
      input.value = "";
    });
    const end = button(t("end"), () => send({ type: "end", chat: m.chat }));
    if (role === "graduate") {
      form.append(button(t("resume"), () => send({ type: "drop_resume", chat: m.chat })), end);
    } else {
      const linkId = "link-" + m.chat;
      const ll = document.createElement("label");
      ll.htmlFor = linkId;
      ll.textContent = t("link");
      const link = document.createElement("input");
      link.id = linkId;
      link.type = "url";
      link.maxLength = 300;
      const outId = "out-" + m.chat;
      const ol = document.createElement("label");
      ol.htmlFor = outId;
      ol.textContent = t("outcome");
      const out = document.createElement("select");
      out.id = outId;
      for (const o of ["interview", "offer", "not_suitable"]) {
        const opt = document.createElement("option");
        opt.value = o;
        opt.textContent = t(o);
        out.append(opt);
      }
      form.append(
        ll,
        link,
        button(t("send_link"), () => link.value && send({ type: "send_link", chat: m.chat, url: link.value })),
        ol,
        out,
        button(t("outcome"), () => send({ type: "outcome", chat: m.chat, outcome: out.value })),
        end,
      );
    }
    box.append(h, log, form);
    document.getElementById("chats").append(box);
    chats.set(m.chat, { log, form });
  }

  function button(text, onClick) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = text;
    b.addEventListener("click", onClick);
    return b;
  }

  function addLine(chat, who, text) {
    const c = chats.get(chat);
    if (!c) return;
    const p = document.createElement("p");
    p.textContent = (who ? who + "：" : "") + text;
    c.log.append(p);
  }

  document.addEventListener("click", (e) => {
    const join = e.target.closest("button.join");
    if (join) send({ type: join.dataset.queued ? "leave" : "join", booth: join.dataset.booth });
  });
  document.getElementById("call-next")?.addEventListener("click", () => send({ type: "call_next" }));
  document.getElementById("set-capacity")?.addEventListener("click", () =>
    send({ type: "set_capacity", max_chats: Number(document.getElementById("max-chats").value) }),
  );
  document.getElementById("pause")?.addEventListener("click", (e) =>
    send({ type: "pause", paused: e.target.getAttribute("aria-pressed") !== "true" }),
  );
  document.getElementById("moderate")?.addEventListener("submit", (e) => {
    e.preventDefault();
    const user = document.getElementById("mod-user").value.trim();
    if (e.submitter && e.submitter.value === "remove") send({ type: "remove", user });
    else send({ type: "mute", user, minutes: Number(document.getElementById("mod-minutes").value) });
  });
  connectSocket();
}
