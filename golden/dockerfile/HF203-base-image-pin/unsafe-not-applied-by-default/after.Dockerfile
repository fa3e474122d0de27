FROM postgres
