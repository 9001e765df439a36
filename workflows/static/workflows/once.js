// A form sent once stays sent: a second click (or Enter) while the page loads is ignored,
// so a request is never asked or approved twice by accident. The server refuses doubles
// anyway; this spares the user the error.
document.addEventListener("submit", (event) => {
  const button = event.target.querySelector("[data-rollouts-once]");
  if (!button) return;
  if (button.dataset.sent) {
    event.preventDefault();
    return;
  }
  button.dataset.sent = "1";
  button.setAttribute("aria-disabled", "true");
});
