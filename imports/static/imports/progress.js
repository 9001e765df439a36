// The import page: poll the job's progress while it runs and reload when it ends;
// ask before an undo; and let a confirm or undo button be pressed only once.
(function () {
  "use strict";
  const section = document.querySelector("[data-import-progress]");
  if (section) {
    const bar = section.querySelector("[data-import-bar]");
    const track = section.querySelector("[role=progressbar]");
    const rows = section.querySelector("[data-import-rows]");
    const stage = section.querySelector("[data-import-stage]");
    const status = document.querySelector("[data-import-status]");
    const format = (n) => n.toLocaleString("ja-JP");
    const poll = async () => {
      try {
        const response = await fetch(section.dataset.url, { headers: { Accept: "application/json" } });
        if (response.ok) {
          const data = await response.json();
          if (!data.running) {
            window.location.reload();
            return;
          }
          status.textContent = data.status_label;
          stage.textContent = data.stage_label || data.status_label;
          const writing = data.stage === "writing" || data.rows_total === 0;
          section.classList.toggle("imports-progress--indeterminate", writing);
          bar.style.width = writing ? "" : data.percent + "%";
          track.setAttribute("aria-valuenow", String(data.percent));
          rows.textContent = writing
            ? rows.dataset.writing
            : rows.dataset.template
                .replace("ROWS_DONE", format(data.rows_done))
                .replace("ROWS_TOTAL", format(data.rows_total))
                .replace("RATE", format(data.rows_per_second));
        }
      } catch (error) {
        // A dropped request is retried on the next tick.
      }
      window.setTimeout(poll, 1000);
    };
    poll();
  }
  document.querySelectorAll("form[data-import-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.importConfirm)) event.preventDefault();
    });
  });
  document.querySelectorAll("[data-import-once]").forEach((button) => {
    button.form.addEventListener("submit", (event) => {
      if (event.defaultPrevented) return;
      window.setTimeout(() => { button.disabled = true; }, 0);
    });
  });
})();
