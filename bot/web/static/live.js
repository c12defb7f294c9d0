// The projector view: renders whatever screen the server pushes over Server-Sent Events.
// Every text it shows comes translated in the event itself; nothing is fetched from outside.
"use strict";

(function () {
  const root = document.getElementById("stage");
  const question = document.getElementById("question");
  const results = document.getElementById("results");
  const count = document.getElementById("count");
  const status = document.getElementById("status");
  const source = root.dataset.events;
  let events = null;
  let retry = null;

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function bars(rows, max) {
    const box = el("div", { class: "bars" });
    const top = max || Math.max(1, ...rows.map((r) => r.value));
    for (const row of rows) {
      const line = el("div", { class: "bar-row" });
      line.append(el("div", { class: "label" }, row.label));
      const track = el("div", { class: "track" });
      const fill = el("div", { class: "fill" });
      fill.style.width = (100 * row.value / top).toFixed(1) + "%";
      track.append(fill);
      line.append(track, el("div", { class: "value" }, row.shown !== undefined ? row.shown : String(row.value)));
      box.append(line);
    }
    return box;
  }

  function ranked(items, extra) {
    const list = el("ol", { class: "ranked" });
    // Few items: larger text, so a short list fills the screen as a long one does.
    const fit = results.clientHeight / (Math.max(items.length, 4) * 2.1);
    list.style.fontSize = Math.max(18, Math.min(window.innerWidth * 0.034, fit)).toFixed(0) + "px";
    items.forEach((item, n) => {
      const li = el("li", item.answered ? { class: "answered" } : {});
      li.append(el("span", { class: "place" }, String(item.place || n + 1) + "."));
      li.append(el("span", { class: "text" }, item.text));
      li.append(el("span", { class: "points" }, extra(item)));
      list.append(li);
    });
    return list;
  }

  // A word cloud laid out on a spiral: the most frequent word in the middle, largest.
  function cloud(words) {
    const box = el("div", { id: "cloud" });
    results.append(box);
    const width = box.clientWidth, height = box.clientHeight;
    if (!words.length || !width || !height) return;
    const top = words[0].count, bottom = words[words.length - 1].count;
    const biggest = Math.min(height / 3.2, width / Math.max(4, words[0].text.length * 0.62));
    const smallest = Math.min(biggest, Math.max(22, biggest / 3.2));
    const placed = [];
    const colors = ["#0b6b4f", "#1c4e80", "#a23b00", "#5b2a86", "#7a5c00", "#2f4f4f"];
    words.forEach((word, index) => {
      const share = top === bottom ? 1 : (word.count - bottom) / (top - bottom);
      let size = smallest + (biggest - smallest) * Math.sqrt(share);
      const span = el("span", { title: String(word.count) }, word.text);
      span.style.color = colors[index % colors.length];
      box.append(span);
      for (let attempt = 0; attempt < 4; attempt++, size *= 0.8) {
        span.style.fontSize = size.toFixed(0) + "px";
        const w = span.offsetWidth, h = span.offsetHeight;
        const spot = findSpot(w, h, width, height, placed);
        if (spot) {
          span.style.left = spot.x + "px";
          span.style.top = spot.y + "px";
          placed.push({ x: spot.x, y: spot.y, w: w, h: h });
          return;
        }
      }
      span.remove(); // no room left: the count below still has it
    });
  }

  function findSpot(w, h, width, height, placed) {
    const cx = (width - w) / 2, cy = (height - h) / 2;
    for (let t = 0; t < 1600; t++) {
      const angle = 0.35 * t, radius = 2.2 * t;
      const x = cx + radius * Math.cos(angle) * (width / height);
      const y = cy + radius * Math.sin(angle) * 0.8;
      if (x < 0 || y < 0 || x + w > width || y + h > height) continue;
      const clash = placed.some((p) => x < p.x + p.w + 6 && x + w + 6 > p.x && y < p.y + p.h + 2 && y + h + 2 > p.y);
      if (!clash) return { x: x, y: y };
    }
    return null;
  }

  function matrix(screen) {
    const box = el("div", { class: "matrix" });
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 100 110");
    svg.setAttribute("role", "img");
    const add = (tag, attrs, text) => {
      const node = document.createElementNS(ns, tag);
      for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
      if (text !== undefined) node.textContent = text;
      svg.append(node);
      return node;
    };
    // The box spans 12–96 across and 10–94 down; points sit inside it (1–5 at cell centres),
    // the quadrants' names above and below it, so no point ever covers a name.
    const x = (effort) => 12 + (effort - 0.5) * 16.8, y = (impact) => 94 - (impact - 0.5) * 16.8;
    add("rect", { x: 12, y: 10, width: 84, height: 84, fill: "#fafafa", stroke: "#999", "stroke-width": 0.3 });
    add("line", { x1: 54, y1: 10, x2: 54, y2: 94, stroke: "#999", "stroke-width": 0.3 });
    add("line", { x1: 12, y1: 52, x2: 96, y2: 52, stroke: "#999", "stroke-width": 0.3 });
    const q = screen.labels;
    add("text", { x: 13, y: 8, "font-size": 3.6, fill: "#0b6b4f", "font-weight": 700 }, q.quick_wins);
    add("text", { x: 95, y: 8, "font-size": 3.6, fill: "#1c4e80", "text-anchor": "end", "font-weight": 700 }, q.big_bets);
    add("text", { x: 13, y: 98.5, "font-size": 3.6, fill: "#555", "font-weight": 700 }, q.fill_ins);
    add("text", { x: 95, y: 98.5, "font-size": 3.6, fill: "#a23b00", "text-anchor": "end", "font-weight": 700 }, q.thankless);
    add("text", { x: 54, y: 106, "font-size": 4, "text-anchor": "middle" }, q.effort + " →");
    add("text", { x: 6, y: 52, "font-size": 4, "text-anchor": "middle", transform: "rotate(-90 6 52)" }, q.impact + " →");
    for (const point of screen.points) {
      add("circle", { cx: x(point.effort + point.dx), cy: y(point.impact + point.dy), r: 3.4, fill: "#0b6b4f" });
      add("text", { x: x(point.effort + point.dx), y: y(point.impact + point.dy) + 1.3, "font-size": 3.4,
        "text-anchor": "middle", fill: "#fff", "font-weight": 700 }, String(point.n));
    }
    const legend = el("ol");
    for (const point of screen.points) {
      const li = el("li", { value: String(point.n) }, point.text);
      legend.append(li);
    }
    box.append(svg, legend);
    return box;
  }

  function render(data) {
    const screen = data.screen;
    document.title = data.title;
    question.textContent = screen.heading || "";
    question.className = (screen.heading || "").length > 90 ? "small" : "";
    count.innerHTML = "";
    if (screen.count !== undefined && screen.count !== null) {
      count.append(el("b", {}, String(screen.count)), " " + screen.count_label);
    }
    results.innerHTML = "";
    if (screen.hidden) {
      results.append(el("div", { class: "hidden-note" }, screen.hidden));
      return;
    }
    if (screen.bars) results.append(bars(screen.bars, screen.max));
    else if (screen.words) cloud(screen.words);
    else if (screen.ranking) results.append(ranked(screen.ranking, (item) => item.shown));
    else if (screen.points) results.append(matrix(screen));
    else if (screen.note) results.append(el("div", { class: "hidden-note" }, screen.note));
  }

  function connect() {
    if (events) events.close();
    events = new EventSource(source);
    events.onopen = () => status.classList.remove("off");
    events.onmessage = (message) => render(JSON.parse(message.data));
    events.onerror = () => {
      status.classList.add("off");
      // The browser retries by itself while the server is reachable; when the server closed
      // the stream for good (a restart refused it), start again after a pause.
      if (events.readyState === EventSource.CLOSED && !retry) {
        retry = setTimeout(() => { retry = null; connect(); }, 2000);
      }
    };
  }

  let lastWidth = window.innerWidth;
  window.addEventListener("resize", () => {
    if (Math.abs(window.innerWidth - lastWidth) > 40) { lastWidth = window.innerWidth; connect(); }
  });
  connect();
})();
