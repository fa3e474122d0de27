FROM node:20-slim
# wget follows a redirect and judges where it lands; node's request would pass on the 3xx.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=5 CMD ["wget","-qO-","http://localhost:3000/health"]
