import requests
import streamlit as st

st.json(requests.get("http://backend:8000/health", timeout=5).json())
