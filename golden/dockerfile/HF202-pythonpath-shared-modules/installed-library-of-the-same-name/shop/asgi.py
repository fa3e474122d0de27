from graphql import GraphQLError

async def application(scope, receive, send):
    raise GraphQLError("x")
