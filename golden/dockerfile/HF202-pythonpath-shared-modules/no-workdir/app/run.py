from shared import NAME

print(NAME)
