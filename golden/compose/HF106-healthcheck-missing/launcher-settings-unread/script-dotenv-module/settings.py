"""Loads the deployment's `.env` before anything reads the environment."""

from dotenv import load_dotenv

load_dotenv()
