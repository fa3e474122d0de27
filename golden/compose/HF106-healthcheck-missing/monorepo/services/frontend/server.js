const express = require('express');

const app = express();
const port = process.env.PORT || 8080;

app.get('/healthz', (req, res) => res.send('ok'));
app.get('/', (req, res) => res.send('hello'));

app.listen(port, () => console.log(`listening on ${port}`));
