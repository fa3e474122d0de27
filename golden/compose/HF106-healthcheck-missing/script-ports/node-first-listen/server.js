const express = require("express");
const client = require("prom-client");

// Prometheus scrapes a separate port
const metrics = express();
metrics.get("/metrics", async (req, res) => res.send(await client.register.metrics()));
metrics.listen(9464);

const app = express();
app.get("/health", (req, res) => res.send("ok"));
app.listen(3000);
