FROM node:20-slim
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=5 CMD ["curl","-fsS","http://localhost:3000/health"]
