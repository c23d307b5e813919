// The data-export progress: polls the status address every 2 seconds while the copy is
// being built, updates the <progress> and its text (announced politely), and reloads the
// page once it is ready or failed so the download link or the message appears.
document.querySelectorAll("[data-export-status]").forEach((box) => {
  const url = box.dataset.exportStatus;
  const bar = box.querySelector("progress");
  const text = box.querySelector("[data-export-text]");
  const tick = async () => {
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) return;
      const data = await response.json();
      bar.value = data.progress;
      text.textContent = `${data.label} (${data.progress}%)`;
      if (data.status === "ready" || data.status === "failed") {
        window.location.reload();
        return;
      }
    } catch (error) {
      // The network hiccuped: try again at the next tick.
    }
    window.setTimeout(tick, 2000);
  };
  window.setTimeout(tick, 2000);
});
