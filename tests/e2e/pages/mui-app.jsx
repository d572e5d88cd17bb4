// A small app built from MUI (Material UI 5) components, as a React team writes one: an app
// bar, tabs, a list, cards, text fields and a Dialog. ui-libraries.test.mjs bundles it with esbuild.
import * as React from "react";
import { createRoot } from "react-dom/client";
import { AppBar, Toolbar, Typography, Button, Dialog, DialogTitle, DialogContent, DialogActions, TextField, Tabs, Tab, List, ListItemButton, ListItemText, Box, IconButton, Badge, Card, CardContent } from "@mui/material";
function App() {
  const [open, setOpen] = React.useState(false);
  const [tab, setTab] = React.useState(0);
  return (
    <Box>
      <AppBar position="sticky"><Toolbar><Typography variant="h6" sx={{ flexGrow: 1 }}>Acme</Typography>
        <IconButton color="inherit" aria-label="notifications"><Badge badgeContent={4} color="error"><span>🔔</span></Badge></IconButton>
        <Button color="inherit">Invite</Button></Toolbar></AppBar>
      <Tabs value={tab} onChange={(e, v) => setTab(v)}><Tab label="Overview" /><Tab label="Reports" /><Tab label="Billing" /></Tabs>
      <Box sx={{ display: "flex" }}>
        <List sx={{ width: 200 }}>{["Inbox", "Drafts", "Sent"].map((t) => <ListItemButton key={t}><ListItemText primary={t} /></ListItemButton>)}</List>
        <Box sx={{ p: 2 }}>
          <Card><CardContent><Typography>Revenue</Typography><Typography variant="h4">$12,400</Typography></CardContent></Card>
          <Card sx={{ mt: 2 }}><CardContent><Typography>Users</Typography><Typography variant="h4">318</Typography></CardContent></Card>
          <Button variant="contained" sx={{ mt: 2 }} onClick={() => setOpen(true)}>Open settings</Button>
          <TextField label="Search" size="small" sx={{ ml: 2, mt: 2 }} />
        </Box>
      </Box>
      <Dialog open={open} onClose={() => setOpen(false)}>
        <DialogTitle>Settings</DialogTitle>
        <DialogContent><TextField autoFocus label="Team name" margin="dense" fullWidth /></DialogContent>
        <DialogActions><Button onClick={() => setOpen(false)}>Cancel</Button><Button variant="contained" onClick={() => setOpen(false)}>Save</Button></DialogActions>
      </Dialog>
    </Box>
  );
}
createRoot(document.getElementById("root")).render(<App />);
