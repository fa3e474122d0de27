CREATE USER ledger WITH PASSWORD 'ledger_pw';
CREATE DATABASE ledger OWNER ledger;
GRANT ALL ON DATABASE ledger TO postgres;
