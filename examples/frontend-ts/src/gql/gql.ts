/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  mutation Login($username: String!, $password: String!) {\n    login(username: $username, password: $password) {\n      token\n      expiresAt\n      me {\n        username\n        scope {\n          path\n          breadcrumb\n        }\n      }\n    }\n  }\n": typeof types.LoginDocument,
    "\n  query MyOpenEvents($first: Int!, $after: Cursor) {\n    events(\n      first: $first\n      after: $after\n      orderBy: { field: REPORTED_AT, direction: DESC }\n      where: { statusIn: [REPORTED, REGISTERED, DISPATCHED, HANDLING, HANDLED] }\n    ) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          id\n          title\n          status\n          statusLabel\n          reportedAt\n          deadline\n          slaLight\n        }\n      }\n    }\n  }\n": typeof types.MyOpenEventsDocument,
};
const documents: Documents = {
    "\n  mutation Login($username: String!, $password: String!) {\n    login(username: $username, password: $password) {\n      token\n      expiresAt\n      me {\n        username\n        scope {\n          path\n          breadcrumb\n        }\n      }\n    }\n  }\n": types.LoginDocument,
    "\n  query MyOpenEvents($first: Int!, $after: Cursor) {\n    events(\n      first: $first\n      after: $after\n      orderBy: { field: REPORTED_AT, direction: DESC }\n      where: { statusIn: [REPORTED, REGISTERED, DISPATCHED, HANDLING, HANDLED] }\n    ) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          id\n          title\n          status\n          statusLabel\n          reportedAt\n          deadline\n          slaLight\n        }\n      }\n    }\n  }\n": types.MyOpenEventsDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Login($username: String!, $password: String!) {\n    login(username: $username, password: $password) {\n      token\n      expiresAt\n      me {\n        username\n        scope {\n          path\n          breadcrumb\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation Login($username: String!, $password: String!) {\n    login(username: $username, password: $password) {\n      token\n      expiresAt\n      me {\n        username\n        scope {\n          path\n          breadcrumb\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MyOpenEvents($first: Int!, $after: Cursor) {\n    events(\n      first: $first\n      after: $after\n      orderBy: { field: REPORTED_AT, direction: DESC }\n      where: { statusIn: [REPORTED, REGISTERED, DISPATCHED, HANDLING, HANDLED] }\n    ) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          id\n          title\n          status\n          statusLabel\n          reportedAt\n          deadline\n          slaLight\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query MyOpenEvents($first: Int!, $after: Cursor) {\n    events(\n      first: $first\n      after: $after\n      orderBy: { field: REPORTED_AT, direction: DESC }\n      where: { statusIn: [REPORTED, REGISTERED, DISPATCHED, HANDLING, HANDLED] }\n    ) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          id\n          title\n          status\n          statusLabel\n          reportedAt\n          deadline\n          slaLight\n        }\n      }\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;