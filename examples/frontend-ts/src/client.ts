// A minimal typed client over fetch: no GraphQL library at run time, only graphql-js's printer.
import { print } from "graphql";
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { Login, MyOpenEvents } from "./operations";
import type { MyOpenEventsQuery } from "./gql/graphql";

/** An error from gridgov: message for people, extensions.code for programs (docs/frontend.md). */
export class GridgovError extends Error {
  constructor(message: string, readonly code: string | undefined, readonly path?: readonly (string | number)[]) {
    super(message);
  }
}

/** A gridgov endpoint with an optional bearer token. */
export class Gridgov {
  constructor(private readonly url: string, private token?: string) {}

  /** Sends one operation; throws GridgovError on the first GraphQL error. */
  async request<R, V>(doc: TypedDocumentNode<R, V>, variables: V): Promise<R> {
    const headers: Record<string, string> = { "Content-Type": "application/json" };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    const res = await fetch(this.url, { method: "POST", headers, body: JSON.stringify({ query: print(doc), variables }) });
    const body = (await res.json()) as { data?: R; errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string } }[] };
    if (body.errors?.length) {
      const e = body.errors[0];
      throw new GridgovError(e.message, e.extensions?.code, e.path);
    }
    return body.data as R;
  }

  /** Signs in and keeps the token for later requests. */
  async login(username: string, password: string) {
    const { login } = await this.request(Login, { username, password });
    this.token = login.token;
    return login.me;
  }

  /** Walks every page of the viewer's open events. */
  async *openEvents(pageSize = 50) {
    let after: string | null = null;
    for (;;) {
      const { events }: MyOpenEventsQuery = await this.request(MyOpenEvents, { first: pageSize, after });
      for (const edge of events.edges ?? []) if (edge?.node) yield edge.node;
      if (!events.pageInfo.hasNextPage) return;
      after = events.pageInfo.endCursor ?? null;
    }
  }
}
