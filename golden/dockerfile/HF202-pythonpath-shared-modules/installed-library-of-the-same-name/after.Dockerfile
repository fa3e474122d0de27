# saleor: `from graphql import ...` in the shop's code is the graphql-core library the
# project depends on, not the folder `shop/graphql`; `/app/shop` first on the path would
# also hide the standard library's `csv` behind `shop/csv`.
FROM python:3.12-slim
RUN pip install uvicorn
COPY . /app
WORKDIR /app
CMD ["uvicorn", "shop.asgi:application"]
