// The pipeline board: drag a card onto another stage's column. The card moves at once; the drop is posted
// (with the CSRF token) to the card's move endpoint, which calls opportunity_move. When the server refuses,
// the card goes back where it was and the reason is shown; when it agrees, the column totals are updated.
// Without a mouse (or without this script) the stage select on each card does the same.
document.addEventListener("DOMContentLoaded", () => {
  const board = document.getElementById("pipeline-board");
  if (!board || board.dataset.canMove !== "true") {
    return;
  }
  const csrfToken = board.querySelector("input[name=csrfmiddlewaretoken]").value;
  const messages = document.getElementById("pipeline-messages");
  let dragged = null; // {card, from, next}: where the card came from, to put it back

  function showMessage(text, kind) {
    const alert = document.createElement("div");
    alert.className = `alert alert-${kind} alert-dismissible`;
    alert.setAttribute("role", kind === "danger" ? "alert" : "status");
    alert.textContent = text;
    const close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close";
    close.setAttribute("data-bs-dismiss", "alert");
    close.setAttribute("aria-label", "Close");
    alert.appendChild(close);
    messages.replaceChildren(alert);
  }

  function updateTotals(columns) {
    for (const totals of columns) {
      const column = document.getElementById(`column-${totals.stage}`);
      if (!column) {
        continue;
      }
      for (const name of ["count", "value", "weighted"]) {
        column.querySelector(`[data-total=${name}]`).textContent = totals[name];
      }
    }
  }

  function putBack(move) {
    move.from.insertBefore(move.card, move.next);
  }

  async function post(move, stageId) {
    const body = new URLSearchParams({ stage: stageId, owner: board.dataset.owner });
    move.card.classList.add("moving");
    try {
      const response = await fetch(move.card.dataset.moveUrl, {
        method: "POST",
        headers: { "X-CSRFToken": csrfToken, Accept: "application/json" },
        body,
        credentials: "same-origin",
      });
      const answer = await response.json().catch(() => ({ message: board.dataset.failed }));
      if (!response.ok) {
        putBack(move);
        showMessage(answer.message || board.dataset.failed, "danger");
        return;
      }
      const select = move.card.querySelector("select[name=stage]");
      if (select) {
        select.value = String(answer.stage);
      }
      move.card.querySelector("[data-card=probability]").textContent = answer.probability;
      updateTotals(answer.columns);
      showMessage(answer.message, "success");
    } catch (error) {
      putBack(move);
      showMessage(board.dataset.failed, "danger");
    } finally {
      move.card.classList.remove("moving");
    }
  }

  board.addEventListener("dragstart", (event) => {
    const card = event.target.closest(".pipeline-card[draggable=true]");
    if (!card) {
      return;
    }
    dragged = { card, from: card.parentElement, next: card.nextElementSibling };
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.opportunity);
  });

  board.addEventListener("dragend", () => {
    if (dragged) {
      dragged.card.classList.remove("dragging");
    }
    board.querySelectorAll(".drop-target").forEach((column) => column.classList.remove("drop-target"));
  });

  board.addEventListener("dragover", (event) => {
    const column = event.target.closest(".pipeline-column");
    if (!dragged || !column) {
      return;
    }
    event.preventDefault(); // allows the drop
    event.dataTransfer.dropEffect = "move";
    board.querySelectorAll(".drop-target").forEach((other) => other !== column && other.classList.remove("drop-target"));
    column.classList.add("drop-target");
  });

  board.addEventListener("drop", (event) => {
    const column = event.target.closest(".pipeline-column");
    if (!dragged || !column) {
      return;
    }
    event.preventDefault();
    column.classList.remove("drop-target");
    const move = dragged;
    dragged = null;
    move.card.classList.remove("dragging");
    const cards = column.querySelector("[data-dropzone]");
    if (cards === move.from) {
      return; // dropped where it was
    }
    cards.prepend(move.card);
    post(move, column.dataset.stage);
  });
});
