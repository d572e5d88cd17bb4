// An admin page built with Ant Design 5 (React 18): a header with an Invite button that
// opens a Modal with one field.
import React, { useState } from "react";
import { createRoot } from "react-dom/client";
import { Layout, Button, Modal, Input } from "antd";

function App() {
  const [open, setOpen] = useState(false);
  return (
    <Layout style={{ minHeight: "100vh" }}>
      <Layout.Header style={{ background: "#fff" }}>
        <Button type="primary" onClick={() => setOpen(true)}>Invite</Button>
      </Layout.Header>
      <Layout.Content style={{ padding: 24 }}>
        <Modal title="Invite a teammate" open={open} onCancel={() => setOpen(false)}
          footer={[<Button key="cancel" onClick={() => setOpen(false)}>Cancel</Button>, <Button key="send" className="send" type="primary" onClick={() => setOpen(false)}>Send</Button>]}>
          <Input id="email" placeholder="Email" />
        </Modal>
      </Layout.Content>
    </Layout>
  );
}

createRoot(document.getElementById("root")).render(<App />);
