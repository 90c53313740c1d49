// The Gantt chart of a schedule (templates/aps/scheduling/gantt.html).
//
// Machines are rows grouped by work center, operations are bars placed by time, and a thin strip under
// each machine shows how busy it is each day. The data is the JSON of aps.selectors.gantt, fetched from
// the container's data-url: times are whole minutes from the schedule's start ("origin"), so drawing
// needs no time-zone arithmetic. A planner drags a bar to another time or to another machine of the
// same work center; the drop is POSTed to the operation's move URL, and the server either answers with
// the chart's new data or with 400 and the reasons, when the bar goes back where it was.
(() => {
  "use strict";

  const root = document.getElementById("gantt");
  if (!root) {
    return;
  }

  const LABEL_WIDTH = 180; // px: the machine names, kept in view while the chart scrolls sideways
  const SNAP_MINUTES = 5;
  const DRAG_THRESHOLD = 3; // px the pointer must move before a press becomes a drag
  const STATE_COLOURS = { free: "#0d6efd", started: "#495057", frozen: "#0aa2c0", pinned: "#6f42c1" };
  const LATE_COLOUR = "#dc3545";
  const ON_TIME_COLOUR = "#198754";

  const labels = JSON.parse(root.dataset.labels || "{}");
  const alertBox = document.querySelector("[data-gantt-alert]");
  const legend = document.querySelector("[data-gantt-legend]");
  const stateBadge = document.querySelector("[data-gantt-state]");
  const colourSelect = document.querySelector("[data-colour-by]");

  const view = {
    data: null,
    jobs: new Map(),
    machines: new Map(),
    zoom: 1440, // minutes across the visible width: a shift, a day or a week
    colourBy: colourSelect ? colourSelect.value : "order",
    originMinute: 0, // the origin in minutes since 1970, to snap and to send absolute times
    scroller: null,
  };

  // --- small helpers -----------------------------------------------------------------------------------

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined && text !== null) {
      node.textContent = text;
    }
    return node;
  }

  function pxPerMinute() {
    const width = Math.max(300, root.clientWidth - LABEL_WIDTH - 2);
    return width / view.zoom;
  }

  function x(minute) {
    return (minute - view.data.start) * pxPerMinute();
  }

  function place(node, start, end) {
    node.style.left = `${x(start)}px`;
    node.style.width = `${Math.max(0, (end - start) * pxPerMinute())}px`;
    return node;
  }

  function snap(minute) {
    const absolute = view.originMinute + minute;
    return Math.round(absolute / SNAP_MINUTES) * SNAP_MINUTES - view.originMinute;
  }

  function isoAt(minute) {
    return new Date((view.originMinute + minute) * 60000).toISOString();
  }

  let timeFormat = null;
  function formatMinute(minute) {
    if (!timeFormat) {
      const options = { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
      try {
        timeFormat = new Intl.DateTimeFormat(document.documentElement.lang || undefined, { ...options, timeZone: view.data.timezone });
      } catch (error) {
        timeFormat = new Intl.DateTimeFormat(undefined, options); // an unknown zone name: the browser's own
      }
    }
    return timeFormat.format(new Date((view.originMinute + minute) * 60000));
  }

  let alertTimer = null;
  function showAlert(message, kind) {
    if (!alertBox) {
      return;
    }
    clearTimeout(alertTimer);
    if (kind === "success") {
      alertTimer = setTimeout(() => alertBox.classList.add("d-none"), 6000);
    }
    alertBox.className = `alert gantt-alert alert-${kind} alert-dismissible`;
    alertBox.textContent = message;
    const close = el("button", "btn-close");
    close.type = "button";
    close.setAttribute("aria-label", "Close");
    close.addEventListener("click", () => alertBox.classList.add("d-none"));
    alertBox.append(close);
  }

  // --- colours -------------------------------------------------------------------------------------------

  function hue(text) {
    // A stable colour per order: the same reference gets the same hue in every schedule and scenario.
    let hash = 0;
    for (const char of text) {
      hash = (hash * 31 + char.codePointAt(0)) >>> 0;
    }
    return 25 + ((hash * 137.508) % 310); // not the reds, which mean late
  }

  function barColour(op) {
    const job = view.jobs.get(op.job);
    if (view.colourBy === "state") {
      return STATE_COLOURS[op.fixed] || STATE_COLOURS.free;
    }
    if (view.colourBy === "lateness") {
      return job.late > 0 ? LATE_COLOUR : ON_TIME_COLOUR;
    }
    return `hsl(${hue(job.reference)}, 60%, 42%)`;
  }

  function loadColour(pct) {
    const share = Math.min(pct, 100) / 100;
    return `hsl(${140 - 140 * share}, 70%, ${92 - 35 * share}%)`;
  }

  function swatch(background, text, extraClass) {
    const item = el("span");
    const box = el("span", `gantt-swatch ${extraClass || ""}`);
    if (background) {
      box.style.background = background;
    }
    item.append(box, document.createTextNode(text));
    return item;
  }

  function drawLegend() {
    if (!legend) {
      return;
    }
    legend.replaceChildren();
    if (view.colourBy === "state") {
      for (const state of ["free", "started", "frozen", "pinned"]) {
        legend.append(swatch(STATE_COLOURS[state], labels[state]));
      }
    } else if (view.colourBy === "lateness") {
      legend.append(swatch(ON_TIME_COLOUR, labels.onTime), swatch(LATE_COLOUR, labels.lateJob));
    } else {
      legend.append(el("span", "text-body-secondary", labels.orderColours));
    }
    legend.append(
      swatch("", labels.setup, "gantt-swatch-setup"),
      swatch("", labels.noWork, "gantt-swatch-off"),
      swatch("", labels.down, "gantt-swatch-down"),
    );
  }

  // --- drawing -------------------------------------------------------------------------------------------

  function row(className, labelText, labelTitle) {
    const line = el("div", `gantt-row ${className}`);
    const label = el("div", "gantt-label", labelText);
    if (labelTitle) {
      label.title = labelTitle;
    }
    const track = el("div", "gantt-track");
    track.style.width = `${x(view.data.end)}px`;
    line.append(label, track);
    return [line, track];
  }

  function tickStep() {
    // Hour ticks at least 40 px apart.
    const hourWidth = 60 * pxPerMinute();
    return [60, 120, 180, 240, 360, 720, 1440].find((step) => (step / 60) * hourWidth >= 40) || 1440;
  }

  function drawHeader(canvas) {
    const [line, track] = row("gantt-header", "");
    track.classList.add("gantt-axis");
    const step = tickStep();
    for (const day of view.data.days) {
      const label = place(el("div", "gantt-day"), day.start, day.end);
      label.append(el("span", "", day.label));
      track.append(label);
      if (step < 1440) {
        for (let minute = day.start + step; minute < day.end; minute += step) {
          const hour = String(Math.round((minute - day.start) / 60)).padStart(2, "0");
          track.append(place(el("div", "gantt-tick", `${hour}:00`), minute, Math.min(minute + step, day.end)));
        }
      }
    }
    canvas.append(line);
  }

  function drawOverlay(canvas) {
    // Across every row: the past, the frozen horizon, now, and midnight lines.
    const overlay = el("div", "gantt-overlay");
    overlay.style.left = `${LABEL_WIDTH}px`;
    overlay.style.width = `${x(view.data.end)}px`;
    if (view.data.start < 0) {
      overlay.append(place(el("div", "gantt-past"), view.data.start, 0));
    }
    if (view.data.frozen_until > 0) {
      const frozen = place(el("div", "gantt-frozen"), 0, view.data.frozen_until);
      frozen.title = `${labels.frozenUntil} ${view.data.frozen_until_text}`;
      overlay.append(frozen);
    }
    for (const day of view.data.days) {
      overlay.append(place(el("div", "gantt-dayline"), day.start, day.start));
    }
    const now = place(el("div", "gantt-now"), 0, 0);
    now.title = `${labels.now}: ${view.data.origin_text}`;
    overlay.append(now);
    canvas.append(overlay);
  }

  function tooltip(op, machine) {
    const job = view.jobs.get(op.job);
    const lines = [
      `${job.reference} · op ${op.seq} ${op.name}`,
      `${job.source}: ${job.item} ${job.item_name} × ${job.quantity}`,
      `${machine.code} ${machine.name}`,
      `${op.start_text} – ${op.end_text}`,
      `${labels.setup}: ${op.setup} ${labels.minutes}`,
      op.fixed_label || labels.free,
      `${labels.due} ${job.due_text}${job.late > 0 ? ` · ${job.late} ${labels.minutes} ${labels.late}` : ""}`,
    ];
    return lines.join("\n");
  }

  function drawBar(track, op, machine) {
    const job = view.jobs.get(op.job);
    const bar = place(el("div", "gantt-bar"), op.start, op.end);
    bar.style.minWidth = "3px";
    bar.style.background = barColour(op);
    bar.dataset.operation = op.id;
    bar.title = tooltip(op, machine);
    if (op.setup_end > op.start) {
      const setup = el("div", "gantt-setup");
      setup.style.width = `${(op.setup_end - op.start) * pxPerMinute()}px`;
      bar.append(setup);
    }
    bar.append(el("span", "gantt-bar-text", `${job.reference} ${op.seq}`));
    if (view.data.can_move && op.movable) {
      bar.classList.add("is-movable");
      bar.addEventListener("pointerdown", (event) => startDrag(event, bar, op));
    }
    track.append(bar);
  }

  function drawMachine(canvas, machine, operations) {
    const code = machine.active ? machine.code : `${machine.code} (${labels.inactive})`;
    const [line, track] = row("gantt-machine", code, `${machine.code} ${machine.name}`);
    track.dataset.machine = machine.id;
    track.dataset.workCenter = machine.work_center;
    for (const [start, end] of machine.off) {
      track.append(place(el("div", "gantt-off"), start, end));
    }
    for (const down of machine.down) {
      const block = place(el("div", "gantt-down"), down.start, down.end);
      block.title = `${labels.down} ${down.text}${down.reason ? `: ${down.reason}` : ""}`;
      track.append(block);
    }
    for (const op of operations) {
      drawBar(track, op, machine);
    }
    canvas.append(line);

    const [loadLine, loadTrack] = row("gantt-load", "");
    machine.load.forEach((load, index) => {
      const day = view.data.days[index];
      const cell = place(el("div", "gantt-load-cell"), day.start, day.end);
      if (load.pct === null) {
        cell.title = `${day.label}: ${labels.noWork}`;
      } else {
        cell.style.background = loadColour(load.pct);
        cell.title = `${day.label}: ${load.pct} % ${labels.busy} (${load.busy} / ${load.available} ${labels.minutes})`;
        if ((day.end - day.start) * pxPerMinute() > 34) {
          cell.textContent = `${load.pct}%`;
        }
      }
      loadTrack.append(cell);
    });
    canvas.append(loadLine);
  }

  function render() {
    const data = view.data;
    const scroller = el("div", "gantt-scroll");
    const canvas = el("div", "gantt-canvas");
    canvas.style.width = `${LABEL_WIDTH + x(data.end)}px`;
    scroller.append(canvas);
    drawHeader(canvas);
    drawOverlay(canvas);
    const byMachine = new Map();
    for (const op of data.operations) {
      if (!byMachine.has(op.machine)) {
        byMachine.set(op.machine, []);
      }
      byMachine.get(op.machine).push(op);
    }
    for (const center of data.work_centers) {
      const [group] = row("gantt-group", center.code, `${center.code} ${center.name}`);
      canvas.append(group);
      for (const machine of center.machines) {
        drawMachine(canvas, { ...machine, work_center: center.id }, byMachine.get(machine.id) || []);
      }
    }
    const left = view.scroller ? view.scroller.scrollLeft : null;
    const top = view.scroller ? view.scroller.scrollTop : 0;
    root.replaceChildren(scroller);
    view.scroller = scroller;
    if (left !== null) {
      scroller.scrollLeft = left;
      scroller.scrollTop = top;
    }
    drawLegend();
  }

  // --- loading -------------------------------------------------------------------------------------------

  function load(data) {
    const first = view.data === null;
    view.data = data;
    view.originMinute = Math.round(Date.parse(data.origin) / 60000);
    view.jobs = new Map(data.jobs.map((job) => [job.id, job]));
    view.machines = new Map();
    for (const center of data.work_centers) {
      for (const machine of center.machines) {
        view.machines.set(machine.id, machine);
      }
    }
    if (stateBadge) {
      stateBadge.textContent = data.schedule.state_label;
    }
    if (!data.work_centers.length) {
      root.replaceChildren(el("p", "text-body-secondary p-3 mb-0", labels.empty));
      return;
    }
    render();
    if (first) {
      scrollToNow();
      const notes = [...data.warnings];
      if (data.unplaced) {
        notes.push(`${data.unplaced} ${labels.unplaced}`);
      }
      if (notes.length) {
        showAlert(notes.join(" "), "warning");
      }
    }
  }

  function scrollToNow() {
    view.scroller.scrollLeft = Math.max(0, x(0) - 40);
  }

  async function fetchData() {
    try {
      const response = await fetch(root.dataset.url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) {
        throw new Error(String(response.status));
      }
      load(await response.json());
    } catch (error) {
      root.replaceChildren(el("p", "text-danger p-3 mb-0", `${labels.failed} (${error.message})`));
    }
  }

  // --- dragging a bar ------------------------------------------------------------------------------------

  function trackAt(clientY) {
    for (const track of view.scroller.querySelectorAll(".gantt-track[data-machine]")) {
      const box = track.getBoundingClientRect();
      if (clientY >= box.top && clientY < box.bottom) {
        return track;
      }
    }
    return null;
  }

  function startDrag(event, bar, op) {
    if (event.button !== 0) {
      return;
    }
    event.preventDefault();
    const home = bar.parentElement;
    const drag = { op, bar, home, target: home, minute: op.start, moved: false, x: event.clientX, y: event.clientY };
    const tip = el("div", "gantt-tip");

    function highlight(on) {
      for (const track of view.scroller.querySelectorAll(".gantt-track[data-machine]")) {
        const same = Number(track.dataset.workCenter) === op.work_center;
        track.classList.toggle("is-drop-ok", on && same);
        track.classList.toggle("is-drop-no", on && !same);
      }
    }

    function onMove(moveEvent) {
      const dx = moveEvent.clientX - drag.x;
      const dy = moveEvent.clientY - drag.y;
      if (!drag.moved && Math.abs(dx) < DRAG_THRESHOLD && Math.abs(dy) < DRAG_THRESHOLD) {
        return;
      }
      if (!drag.moved) {
        drag.moved = true;
        bar.classList.add("is-dragging");
        highlight(true);
        document.body.append(tip);
      }
      drag.minute = snap(op.start + dx / pxPerMinute());
      bar.style.left = `${x(drag.minute)}px`;
      drag.target = trackAt(moveEvent.clientY) || drag.target;
      const shift = drag.target.getBoundingClientRect().top - home.getBoundingClientRect().top;
      bar.style.transform = `translateY(${shift}px)`;
      const valid = Number(drag.target.dataset.workCenter) === op.work_center;
      bar.classList.toggle("is-invalid", !valid);
      const machine = view.machines.get(Number(drag.target.dataset.machine));
      tip.textContent = `${machine.code} · ${formatMinute(drag.minute)}`;
      tip.style.left = `${moveEvent.clientX + 12}px`;
      tip.style.top = `${moveEvent.clientY + 12}px`;
    }

    function finish(cancelled) {
      document.removeEventListener("pointermove", onMove);
      document.removeEventListener("pointerup", onUp);
      document.removeEventListener("pointercancel", onCancel);
      tip.remove();
      highlight(false);
      if (cancelled || !drag.moved) {
        render();
        return;
      }
      if (Number(drag.target.dataset.workCenter) !== op.work_center) {
        render(); // back where it was
        showAlert(labels.otherWorkCenter, "warning");
        return;
      }
      const machineId = Number(drag.target.dataset.machine);
      if (machineId === op.machine && drag.minute === op.start) {
        render();
        return;
      }
      bar.classList.remove("is-dragging");
      bar.classList.add("is-saving");
      move(op, machineId, drag.minute);
    }

    function onUp() {
      finish(false);
    }

    function onCancel() {
      finish(true);
    }

    document.addEventListener("pointermove", onMove);
    document.addEventListener("pointerup", onUp);
    document.addEventListener("pointercancel", onCancel);
  }

  async function move(op, machineId, minute) {
    let response;
    let body = {};
    try {
      response = await fetch(op.move_url, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "X-CSRFToken": root.dataset.csrfToken,
        },
        body: JSON.stringify({ machine: machineId, start: isoAt(minute) }),
      });
      body = await response.json();
    } catch (error) {
      body = {};
    }
    if (!response || !response.ok || !body.operations) {
      render(); // snap back: the data did not change
      showAlert((body.errors && body.errors.join(" ")) || labels.failed, "danger");
      return;
    }
    load(body);
    if (body.message) {
      showAlert(body.message, "success");
    }
  }

  // --- controls ------------------------------------------------------------------------------------------

  function setZoom(minutes) {
    // Keep the time at the left edge where it is.
    const leftMinute = view.data.start + view.scroller.scrollLeft / pxPerMinute();
    view.zoom = minutes;
    render();
    view.scroller.scrollLeft = x(leftMinute);
  }

  for (const button of document.querySelectorAll("[data-zoom]")) {
    button.addEventListener("click", () => {
      for (const other of document.querySelectorAll("[data-zoom]")) {
        other.classList.toggle("active", other === button);
      }
      if (view.data) {
        setZoom(Number(button.dataset.zoom));
      }
    });
  }

  const nowButton = document.querySelector("[data-scroll-now]");
  if (nowButton) {
    nowButton.addEventListener("click", () => view.data && view.scroller && scrollToNow());
  }

  if (colourSelect) {
    colourSelect.addEventListener("change", () => {
      view.colourBy = colourSelect.value;
      if (view.data) {
        render();
      }
    });
  }

  let resizing = null;
  window.addEventListener("resize", () => {
    clearTimeout(resizing);
    resizing = setTimeout(() => view.data && view.scroller && setZoom(view.zoom), 150);
  });

  fetchData();
})();
