package org.taskrunner;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** Tells other systems when a job ends. */
public class Notifier {
    private final HttpClient http = HttpClient.newHttpClient();

    /**
     * POST the job's outcome as JSON to a subscriber's webhook URL; true when it answered 2xx.
     */
    public boolean notifyWebhook(String url, String jobId, String outcome) throws Exception {
        String body = "{\"job\":\"" + jobId + "\",\"outcome\":\"" + outcome + "\"}";
        HttpRequest request = HttpRequest.newBuilder(URI.create(url))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        return response.statusCode() / 100 == 2;
    }
}
