const express = require("express");
const app = express();
const port = 3000;

app.get("/health", (req, res) => res.send("ok"));

app.listen(process.env.HTTP_PORT || port, () => console.log("listening"));
