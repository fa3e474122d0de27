FROM node:20-slim
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=5 CMD ["node","-e","require('http').get('http://localhost:3000/health', r => process.exit(r.statusCode < 400 ? 0 : 1)).on('error', () => process.exit(1))"]
