// The operations this example app sends. graphql-codegen turns each graphql(`…`) call into a
// typed document: the variables and the result are checked by TypeScript against the schema.
import { graphql } from "./gql";

/** Sign in: the token goes into the Authorization header of every later request. */
export const Login = graphql(`
  mutation Login($username: String!, $password: String!) {
    login(username: $username, password: $password) {
      token
      expiresAt
      me {
        username
        scope {
          path
          breadcrumb
        }
      }
    }
  }
`);

/** "My events": the open cases in the viewer's scope, newest first, one Relay page at a time. */
export const MyOpenEvents = graphql(`
  query MyOpenEvents($first: Int!, $after: Cursor) {
    events(
      first: $first
      after: $after
      orderBy: { field: REPORTED_AT, direction: DESC }
      where: { statusIn: [REPORTED, REGISTERED, DISPATCHED, HANDLING, HANDLED] }
    ) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          id
          title
          status
          statusLabel
          reportedAt
          deadline
          slaLight
        }
      }
    }
  }
`);
