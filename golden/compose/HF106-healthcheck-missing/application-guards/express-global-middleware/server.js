const express = require('express');
const app = express();
app.use((req, res, next) => { if (req.get('x-token') !== 's') return res.sendStatus(401); next(); });
app.get('/healthz', (req, res) => res.json({ok: true}));
app.listen(3000);
