import "dotenv/config";

export const name = "svc";
