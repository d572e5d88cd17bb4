// A page with a Headless UI 2 Dialog (Tailwind Labs' unstyled components, React 18), as
// Tailwind apps use it. ui-libraries.test.mjs bundles it with esbuild.
import * as React from "react";
import { createRoot } from "react-dom/client";
import { Dialog, DialogPanel, DialogTitle } from "@headlessui/react";

function App() {
  const [open, setOpen] = React.useState(false);
  return (
    <main style={{ padding: 20 }}>
      <h1>Projects</h1>
      <button id="new-project" onClick={() => setOpen(true)}>New project</button>
      <Dialog open={open} onClose={() => setOpen(false)} style={{ position: "relative", zIndex: 50 }}>
        <div style={{ position: "fixed", inset: 0, background: "rgba(0,0,0,.3)" }} />
        <div style={{ position: "fixed", inset: 0, display: "flex", alignItems: "center", justifyContent: "center" }}>
          <DialogPanel style={{ background: "#fff", padding: 20, width: 400 }}>
            <DialogTitle>New project</DialogTitle>
            <input id="project-name" placeholder="Project name" autoFocus />
            <button id="create" onClick={() => setOpen(false)}>Create</button>
          </DialogPanel>
        </div>
      </Dialog>
    </main>
  );
}
createRoot(document.getElementById("root")).render(<App />);
