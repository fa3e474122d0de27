const fs = require("fs");
const https = require("https");
const express = require("express");
const app = express();

app.get("/health", (req, res) => res.send("ok"));

const options = { key: fs.readFileSync("key.pem"), cert: fs.readFileSync("cert.pem") };
https.createServer(options, app).listen(process.env.PORT || 3443);
