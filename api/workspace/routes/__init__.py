"""The workspace's routes, one module per part: sign in and out, uploads (check, preview,
publish), sources (history, restore, withdraw), accounts (admins)."""
