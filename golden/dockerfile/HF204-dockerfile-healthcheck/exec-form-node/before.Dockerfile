FROM node:20-slim
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=5 CMD ["wget","-qO-","http://localhost:3000/health"]
